import { StreamerEntity } from './streamer.entity';

export * from './streamer.entity';
export const STREAMERS_ENTITIES = [StreamerEntity];
