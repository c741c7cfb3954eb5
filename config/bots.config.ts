import { Transform } from 'class-transformer';
import { IsBoolean, IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { defineNamespace } from './config-namespace';
import { emptyToUndefined, toBoolean, toInteger } from './env-parsing';

export class BotsEnv {
  @IsOptional() @Transform(toBoolean) @IsBoolean() BOTS_ENABLED?: boolean;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^wss?:\/\/.+/, { message: 'TWITCH_CHAT_URL must be a ws:// or wss:// URL' })
  TWITCH_CHAT_URL?: string;
  @IsOptional()
  @Transform(emptyToUndefined)
  @Matches(/^[a-zA-Z0-9_]{1,25}$/, {
    message: 'TWITCH_BOT_LOGIN must be a Twitch login (letters, digits, _)',
  })
  TWITCH_BOT_LOGIN?: string;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) BOTS_WATCHDOG_INTERVAL_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) BOT_MESSAGES_PER_WINDOW?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) BOT_MOD_MESSAGES_PER_WINDOW?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) BOT_MESSAGE_WINDOW_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) BOT_JOINS_PER_WINDOW?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(100) BOT_JOIN_WINDOW_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(1) @Max(1000) BOT_QUEUE_MAX?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(0) BOT_DONATE_COOLDOWN_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(0) BOT_CATCHUP_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(10) BOT_RECONNECT_MIN_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(10) BOT_RECONNECT_MAX_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) BOT_PING_MS?: number;
  @IsOptional() @Transform(toInteger) @IsInt() @Min(50) BOT_PONG_TIMEOUT_MS?: number;
}

export interface BotsConfig {
  /** false: no bot connects anywhere (the cards say so). */
  enabled: boolean;
  chatUrl: string;
  /** A shared bot account for every channel; unset: each streamer's bot speaks as the streamer. */
  botLogin?: string;
  watchdogMs: number;
  /** Twitch's chat limits, per identity across the cluster: messages per window, more where it is a moderator. */
  messagesPerWindow: number;
  modMessagesPerWindow: number;
  messageWindowMs: number;
  joinsPerWindow: number;
  joinWindowMs: number;
  /** Lines waiting per channel; beyond it the oldest thank-yous are merged into one line. */
  queueMax: number;
  /** `!donate` answers at most once per this long per channel. */
  donateCooldownMs: number;
  /** A bot (re)starting thanks donations stored up to this long ago that nobody thanked (the failover gap). */
  catchupMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  /** Quiet this long, the bot pings; no PONG within the timeout means the connection is dead. */
  pingMs: number;
  pongTimeoutMs: number;
}

export const botsNamespace = defineNamespace({
  key: 'bots',
  env: BotsEnv,
  build: (env): BotsConfig => ({
    enabled: env.BOTS_ENABLED ?? true,
    chatUrl: env.TWITCH_CHAT_URL ?? 'wss://irc-ws.chat.twitch.tv:443',
    botLogin: env.TWITCH_BOT_LOGIN?.toLowerCase(),
    watchdogMs: env.BOTS_WATCHDOG_INTERVAL_MS ?? 30_000,
    messagesPerWindow: env.BOT_MESSAGES_PER_WINDOW ?? 20,
    modMessagesPerWindow: env.BOT_MOD_MESSAGES_PER_WINDOW ?? 100,
    messageWindowMs: env.BOT_MESSAGE_WINDOW_MS ?? 30_000,
    joinsPerWindow: env.BOT_JOINS_PER_WINDOW ?? 20,
    joinWindowMs: env.BOT_JOIN_WINDOW_MS ?? 10_000,
    queueMax: env.BOT_QUEUE_MAX ?? 10,
    donateCooldownMs: env.BOT_DONATE_COOLDOWN_MS ?? 30_000,
    catchupMs: env.BOT_CATCHUP_MS ?? 600_000,
    reconnectMinMs: env.BOT_RECONNECT_MIN_MS ?? 1000,
    reconnectMaxMs: env.BOT_RECONNECT_MAX_MS ?? 60_000,
    pingMs: env.BOT_PING_MS ?? 60_000,
    pongTimeoutMs: env.BOT_PONG_TIMEOUT_MS ?? 10_000,
  }),
  check: (c) => [
    ...(c.reconnectMaxMs >= c.reconnectMinMs
      ? []
      : ['BOT_RECONNECT_MAX_MS must be at least BOT_RECONNECT_MIN_MS']),
    ...(c.modMessagesPerWindow >= c.messagesPerWindow
      ? []
      : ['BOT_MOD_MESSAGES_PER_WINDOW must be at least BOT_MESSAGES_PER_WINDOW']),
  ],
});
