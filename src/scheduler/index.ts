export * from './donation-alerts-scheduler';
export * from './scheduler.module';
