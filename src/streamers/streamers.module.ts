import { Module } from '@nestjs/common';
import { AdminStreamersController } from './admin-streamers.controller';
import { StreamersRepository } from './streamers.repository';
import { TypeOrmStreamersRepository } from './typeorm-streamers.repository';

@Module({
  controllers: [AdminStreamersController],
  providers: [{ provide: StreamersRepository, useClass: TypeOrmStreamersRepository }],
  exports: [StreamersRepository],
})
export class StreamersModule {}
