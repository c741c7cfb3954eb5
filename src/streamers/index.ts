export * from './entities';
export * from './streamers.events';
export * from './streamers.module';
export * from './streamers.repository';
export * from './known-streamer.pipe';
