import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { toInteger } from './env-parsing';

/** Helix answers up to 100 users a request; a wall larger than a few hundred tiles no longer fits a 1080p page. */
const MAX_WALL = 500;

export class AvatarsEnv {
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(MAX_WALL) AVATARS_MAX?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(10_000) AVATARS_IDLE_MS?: number;
}

export interface AvatarsConfig {
  /** Viewers on one streamer's avatar wall at most: the most recently active ones. */
  max: number;
  /** A viewer silent in chat for this long leaves the wall. */
  idleMs: number;
}

export const avatarsNamespace = defineNamespace({
  key: 'avatars',
  env: AvatarsEnv,
  build: (env): AvatarsConfig => ({
    // 24 tiles (three rows of eight at 1080p) hold the regulars of a small or mid-sized chat at once, and are
    // few enough that each face can still be told apart on stream.
    max: env.AVATARS_MAX ?? 24,
    // Five minutes keeps a viewer who writes every minute or two on the wall, and clears someone who said hello
    // once before the next topic.
    idleMs: env.AVATARS_IDLE_MS ?? 300_000,
  }),
});
