import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, In } from 'typeorm';
import { dialectOf, positional, queryRows } from '../../libs/database';
import { DEFAULT_THANKS_TEMPLATE } from './bot-template';
import { BotsRepository, type BotSettings } from './bots.repository';
import { BotSettingsEntity, BotThankYouEntity } from './entities';

@Injectable()
export class TypeOrmBotsRepository extends BotsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  async settings(streamerId: string): Promise<BotSettings> {
    const row = await this.dataSource.getRepository(BotSettingsEntity).findOneBy({ streamerId });
    return {
      enabled: row?.enabled ?? true,
      template: row?.template ?? DEFAULT_THANKS_TEMPLATE,
      thankTestAlerts: row?.thankTestAlerts ?? false,
      updatedAt: row?.updatedAt ?? null,
    };
  }

  async saveSettings(
    streamerId: string,
    settings: Omit<BotSettings, 'updatedAt'>,
    now: number,
  ): Promise<void> {
    await this.dataSource.getRepository(BotSettingsEntity).upsert(
      {
        streamerId,
        enabled: settings.enabled,
        template: settings.template === DEFAULT_THANKS_TEMPLATE ? null : settings.template,
        thankTestAlerts: settings.thankTestAlerts,
        updatedAt: now,
      },
      ['streamerId'],
    );
  }

  async disabledStreamerIds(): Promise<string[]> {
    const rows = await this.dataSource
      .getRepository(BotSettingsEntity)
      .find({ select: { streamerId: true }, where: { enabled: false } });
    return rows.map(({ streamerId }) => streamerId);
  }

  async claimThanks(
    streamerId: string,
    donationIds: string[],
    epoch: number,
    now: number,
  ): Promise<string[]> {
    if (donationIds.length === 0) {
      return [];
    }
    const values = donationIds.map(() => '(?, ?, ?, ?)').join(', ');
    const rows = await queryRows<{ donation_id: string }>(
      this.dataSource,
      positional(
        dialectOf(this.dataSource),
        `INSERT INTO bot_thank_yous (donation_id, streamer_id, epoch, claimed_at) VALUES ${values}
         ON CONFLICT (donation_id) DO NOTHING RETURNING donation_id`,
      ),
      donationIds.flatMap((id) => [id, streamerId, epoch, now]),
    );
    return rows.map((row) => row.donation_id);
  }

  async releaseThanks(streamerId: string, donationIds: string[], epoch: number): Promise<void> {
    if (donationIds.length === 0) {
      return;
    }
    await this.dataSource
      .getRepository(BotThankYouEntity)
      .delete({ streamerId, epoch, donationId: In(donationIds) });
  }

  async thanked(donationIds: string[]): Promise<string[]> {
    if (donationIds.length === 0) {
      return [];
    }
    const rows = await this.dataSource
      .getRepository(BotThankYouEntity)
      .find({ select: { donationId: true }, where: { donationId: In(donationIds) } });
    return rows.map(({ donationId }) => donationId);
  }
}
