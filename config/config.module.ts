import { ConfigModule, registerAs } from '@nestjs/config';
import type { DynamicModule } from '@nestjs/common';
import { CONFIG_NAMESPACES, type AllConfig } from './index';

/** The global ConfigModule serving an already validated configuration, one registerAs namespace per concern. */
export function typedConfigModule(config: AllConfig): Promise<DynamicModule> {
  return ConfigModule.forRoot({
    isGlobal: true,
    ignoreEnvFile: true,
    load: CONFIG_NAMESPACES.map((namespace) => registerAs(namespace.key, () => config[namespace.key])),
  });
}
