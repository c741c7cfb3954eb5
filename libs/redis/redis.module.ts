import { Global, Module, type DynamicModule } from '@nestjs/common';
import { RedisConnection, type RedisConnectionOptions } from './redis-connection';

@Global()
@Module({})
export class RedisModule {
  static forRoot(options: RedisConnectionOptions): DynamicModule {
    return {
      module: RedisModule,
      providers: [{ provide: RedisConnection, useFactory: () => RedisConnection.open(options) }],
      exports: [RedisConnection],
    };
  }
}
