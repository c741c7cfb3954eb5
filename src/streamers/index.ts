export * from './entities';
export * from './entities/streamer.entity';
export * from './streamers.events';
export * from './streamers.module';
export * from './streamers.repository';
