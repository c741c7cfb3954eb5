export * from './realtime-stats.service';
export * from './realtime.module';
export * from './realtime.service';
