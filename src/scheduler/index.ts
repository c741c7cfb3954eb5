export * from './donation-alerts-scheduler';
export * from './scheduler-membership';
export * from './scheduler.module';
