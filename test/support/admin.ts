/** The ADMIN_API_KEY test instances open their admin routes to. */
export const ADMIN_API_KEY = 'onboarding-admin-key-0123456789abcdef';
