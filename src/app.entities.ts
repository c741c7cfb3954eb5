import type { DataSourceOptions } from 'typeorm';
import type { DatabaseConfig } from '../config';
import { ALERTS_ENTITIES } from './alerts';
import { BOTS_ENTITIES } from './bots';
import { CONTROL_ROOM_ENTITIES } from './control-room';
import { buildDataSourceOptions } from './database';
import { DONATIONS_ENTITIES } from './donations';
import { OAUTH_ENTITIES } from './oauth';
import { OVERLAY_ENTITIES } from './overlay';
import { STREAMERS_ENTITIES } from './streamers';
import { WEBHOOKS_ENTITIES } from './webhooks';

/** Every entity of the app, as each module lists its own: the one list the app and the migration CLI use. */
export const ENTITIES = [
  ...STREAMERS_ENTITIES,
  ...DONATIONS_ENTITIES,
  ...OAUTH_ENTITIES,
  ...WEBHOOKS_ENTITIES,
  ...BOTS_ENTITIES,
  ...ALERTS_ENTITIES,
  ...CONTROL_ROOM_ENTITIES,
  ...OVERLAY_ENTITIES,
];

/** The DataSource options of the app, the migration CLI (`ormconfig.ts`) and the tests. */
export function appDataSourceOptions(config: DatabaseConfig): DataSourceOptions {
  return buildDataSourceOptions(config, ENTITIES);
}
