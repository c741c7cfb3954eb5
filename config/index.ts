import { plainToInstance } from 'class-transformer';
import { validateSync, type ValidationError } from 'class-validator';
import type { ConfigNamespace, Environment } from './config-namespace';
import { adminNamespace, type AdminConfig } from './admin.config';
import { appNamespace, type AppConfig } from './app.config';
import { databaseNamespace, type DatabaseConfig } from './database.config';
import { leaderNamespace, type LeaderConfig } from './leader.config';
import { redisNamespace, type RedisConfig } from './redis.config';
import { securityNamespace, type SecurityConfig } from './security.config';
import { twitchNamespace, type TwitchConfig } from './twitch.config';
import { donationAlertsNamespace, type DonationAlertsConfig } from './donation-alerts.config';
import { schedulerNamespace, type SchedulerConfig } from './scheduler.config';
import { webhooksNamespace, type WebhooksConfig } from './webhooks.config';
import { overlayNamespace, type OverlayConfig } from './overlay.config';
import { realtimeNamespace, type RealtimeConfig } from './realtime.config';
import { clusterNamespace, type ClusterConfig } from './cluster.config';
import { botsNamespace, type BotsConfig } from './bots.config';
import { avatarsNamespace, type AvatarsConfig } from './avatars.config';
import { alertsNamespace, type AlertsConfig } from './alerts.config';
import { ttsNamespace, type TtsConfig } from './tts.config';

export type { Environment } from './config-namespace';
export type {
  AdminConfig,
  AlertsConfig,
  AvatarsConfig,
  AppConfig,
  BotsConfig,
  ClusterConfig,
  DatabaseConfig,
  DonationAlertsConfig,
  LeaderConfig,
  OverlayConfig,
  RealtimeConfig,
  RedisConfig,
  SchedulerConfig,
  SecurityConfig,
  TtsConfig,
  TwitchConfig,
  WebhooksConfig,
};

export interface AllConfig {
  app: AppConfig;
  database: DatabaseConfig;
  redis: RedisConfig;
  leader: LeaderConfig;
  admin: AdminConfig;
  security: SecurityConfig;
  twitch: TwitchConfig;
  donationAlerts: DonationAlertsConfig;
  scheduler: SchedulerConfig;
  webhooks: WebhooksConfig;
  overlay: OverlayConfig;
  realtime: RealtimeConfig;
  cluster: ClusterConfig;
  bots: BotsConfig;
  avatars: AvatarsConfig;
  alerts: AlertsConfig;
  tts: TtsConfig;
}

type AnyNamespace = ConfigNamespace<keyof AllConfig, object, AllConfig[keyof AllConfig]>;

export const CONFIG_NAMESPACES: readonly AnyNamespace[] = [
  appNamespace,
  databaseNamespace,
  redisNamespace,
  leaderNamespace,
  adminNamespace,
  securityNamespace,
  twitchNamespace,
  donationAlertsNamespace,
  schedulerNamespace,
  webhooksNamespace,
  overlayNamespace,
  realtimeNamespace,
  clusterNamespace,
  botsNamespace,
  avatarsNamespace,
  alertsNamespace,
  ttsNamespace,
] as AnyNamespace[];

/** Rules that span namespaces; each returns one message per broken rule. */
const CROSS_CHECKS: Array<(config: AllConfig) => string[]> = [
  ({ app, database, security }) => {
    if (security.encryptionKey) {
      return [];
    }
    if (app.nodeEnv === 'production') {
      return ['APP_ENCRYPTION_KEY is required when NODE_ENV=production (try: openssl rand -base64 32)'];
    }
    if (database.type === 'postgres') {
      return ['APP_ENCRYPTION_KEY is required with PostgreSQL: every instance must share one key'];
    }
    return [];
  },
];

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(
      `Invalid configuration (${problems.length} problem(s)):\n${problems.map((p) => `  - ${p}`).join('\n')}`,
    );
    this.name = 'ConfigValidationError';
  }
}

/** Credentials inside a URL-like value (`scheme://user:password@host`) are replaced before it is shown. */
function withoutCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((error) => {
    const shown = typeof error.value === 'string' && !/KEY|SECRET|PASSWORD|TOKEN/.test(error.property);
    const suffix = shown ? ` (got "${withoutCredentials(String(error.value))}")` : '';
    return Object.values(error.constraints ?? {}).map((message) => `${message}${suffix}`);
  });
}

/**
 * Validates every namespace against the environment and builds the typed configuration.
 * All problems are collected first so an operator fixes a bad environment in one go.
 */
export function loadConfig(environment: Environment = process.env): AllConfig {
  const { values, problems } = buildNamespaces(CONFIG_NAMESPACES, environment);
  if (problems.length === 0) {
    problems.push(...CROSS_CHECKS.flatMap((check) => check(values as AllConfig)));
  }
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return values as AllConfig;
}

/** Only the database settings, for tools such as the migration CLI that need nothing else. */
export function loadDatabaseConfig(environment: Environment = process.env): DatabaseConfig {
  const { values, problems } = buildNamespaces([databaseNamespace], environment);
  if (problems.length > 0) {
    throw new ConfigValidationError(problems);
  }
  return values.database as DatabaseConfig;
}

function buildNamespaces(
  namespaces: readonly AnyNamespace[],
  environment: Environment,
): { values: Partial<Record<keyof AllConfig, unknown>>; problems: string[] } {
  const problems: string[] = [];
  const values: Partial<Record<keyof AllConfig, unknown>> = {};
  for (const namespace of namespaces) {
    const env = plainToInstance(namespace.env, environment, { excludeExtraneousValues: false });
    const errors = validateSync(env, { forbidUnknownValues: false });
    if (errors.length > 0) {
      problems.push(...describe(errors));
      continue;
    }
    const value = namespace.build(env);
    problems.push(...(namespace.check?.(value) ?? []));
    values[namespace.key] = value;
  }
  return { values, problems };
}
export { InjectConfig } from './inject-config';
