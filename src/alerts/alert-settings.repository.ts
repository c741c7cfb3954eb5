import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { withDefaults, type AlertSettings, type AlertSettingsPatch } from './alert-settings';
import { AlertSettingsEntity } from './entities';

export abstract class AlertSettingsRepository {
  /** The streamer's settings: the saved ones over the defaults, the defaults when none are saved. */
  abstract get(streamerId: string): Promise<AlertSettings>;
  abstract save(streamerId: string, settings: AlertSettings, now: number): Promise<void>;
}

@Injectable()
export class TypeOrmAlertSettingsRepository extends AlertSettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async get(streamerId: string): Promise<AlertSettings> {
    const row = await this.dataSource.getRepository(AlertSettingsEntity).findOneBy({ streamerId });
    return withDefaults(row ? (JSON.parse(row.settings) as AlertSettingsPatch) : {});
  }

  async save(streamerId: string, settings: AlertSettings, now: number): Promise<void> {
    await this.dataSource
      .getRepository(AlertSettingsEntity)
      .upsert({ streamerId, settings: JSON.stringify(settings), updatedAt: now }, ['streamerId']);
  }
}
