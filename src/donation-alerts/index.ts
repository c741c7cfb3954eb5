export * from './donation-alerts-oauth.client';
export * from './donation-alerts.client';
export * from './donation-alerts.mapper';
export * from './donation-alerts.module';
export * from './request-budget';
