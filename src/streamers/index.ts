export * from './entities';
export * from './known-streamer.pipe';
export * from './streamers.events';
export * from './streamers.module';
export * from './streamers.repository';
