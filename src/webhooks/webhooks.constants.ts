/** The signed inbound endpoint; the HTTP platform hands its body over as raw bytes. */
export const WEBHOOK_PATH = '/api/donationalerts/webhook';

/** Larger bodies are not donations; refusing them early keeps the unauthenticated endpoint cheap to hit. */
export const WEBHOOK_BODY_LIMIT = '64kb';

/** Encryption context of the per-registration webhook secrets stored in the database. */
export const WEBHOOK_SECRET_CONTEXT = 'webhook:secret';
