import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toBoolean, toInteger } from './env-parsing';

export class RealtimeEnv {
  @IsOptional() @Transform(toBoolean) @IsBoolean() DA_REALTIME_ENABLED?: boolean;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^wss?:\/\/.+/, { message: 'DA_CENTRIFUGO_URL must be a ws:// or wss:// URL' })
  DA_CENTRIFUGO_URL?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) DA_REALTIME_PING_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) DA_REALTIME_PONG_TIMEOUT_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) DA_REALTIME_SILENCE_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(10) DA_REALTIME_RECONNECT_MIN_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(10) DA_REALTIME_RECONNECT_MAX_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) WATCHDOG_INTERVAL_MS?: number;
}

export interface RealtimeConfig {
  /** false: no sockets; every streamer is polled as before. */
  enabled: boolean;
  centrifugoUrl: string;
  /** The client pings this often; a ping without a reply within `pongTimeoutMs` means the socket is dead. */
  pingMs: number;
  pongTimeoutMs: number;
  /** Nothing at all received for this long means the socket is dead (sockets that go silent). */
  silenceMs: number;
  /** Reconnect backoff: from min, doubling per failed attempt, up to max, with jitter. */
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Claims orphaned streamers, restarts dead sockets, stops unwanted ones. */
  watchdogMs: number;
}

export const realtimeNamespace = defineNamespace({
  key: 'realtime',
  env: RealtimeEnv,
  build: (env): RealtimeConfig => ({
    enabled: env.DA_REALTIME_ENABLED ?? true,
    centrifugoUrl: env.DA_CENTRIFUGO_URL ?? 'wss://centrifugo.donationalerts.com/connection/websocket',
    pingMs: env.DA_REALTIME_PING_MS ?? 15_000,
    pongTimeoutMs: env.DA_REALTIME_PONG_TIMEOUT_MS ?? 5000,
    silenceMs: env.DA_REALTIME_SILENCE_MS ?? 120_000,
    reconnectMinMs: env.DA_REALTIME_RECONNECT_MIN_MS ?? 1000,
    reconnectMaxMs: env.DA_REALTIME_RECONNECT_MAX_MS ?? 60_000,
    watchdogMs: env.WATCHDOG_INTERVAL_MS ?? 30_000,
  }),
  check: (c) => [
    ...(c.reconnectMaxMs >= c.reconnectMinMs
      ? []
      : [`DA_REALTIME_RECONNECT_MAX_MS must be at least DA_REALTIME_RECONNECT_MIN_MS`]),
    ...(c.silenceMs > c.pingMs
      ? []
      : [`DA_REALTIME_SILENCE_MS (${c.silenceMs}) must be longer than DA_REALTIME_PING_MS (${c.pingMs})`]),
  ],
});
