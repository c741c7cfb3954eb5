import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { OAuthCredentialsRepository } from '../../src/oauth/oauth-credentials.repository';
import { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import { newOverlayToken } from '../../src/streamers/typeorm-streamers.repository';
import type { FakeDonationAlerts } from '../../test/fakes/fake-donationalerts';
import { DA_TEST_SCOPES, mintDonationAlertsTokens } from '../../test/support/donation-alerts';

export interface SeededStreamer {
  streamerId: string;
  daUserId: number;
  accessToken: string;
}

const FIRST_DA_USER_ID = 5_000_001;
const FIRST_TWITCH_ID = 60_000_001;
const INSERT_BATCH = 250;
const SAVE_CONCURRENCY = 8;

/**
 * `count` streamers, each with a DonationAlerts account at the fake and a working DA connection in the
 * database: DA users are added to the fake and get real tokens from its authorization-code flow (two local
 * requests each, no app involved), streamer rows go in with a few multi-row INSERTs, and each credential is
 * stored (encrypted) by the app's own OAuthCredentialsRepository.save. Every tenth user has three donations
 * already, which the first poll must not replay. Nothing is added to the poll schedule.
 */
export async function seedStreamers(
  app: INestApplication,
  fake: FakeDonationAlerts,
  count: number,
): Promise<SeededStreamer[]> {
  const now = Date.now();
  const streamers: Array<SeededStreamer & { refreshToken: string; expiresIn: number }> = [];
  for (let i = 0; i < count; i += 1) {
    const daUserId = FIRST_DA_USER_ID + i;
    fake.addUser({ id: daUserId, code: `bench_streamer_${i}`, name: `Bench streamer ${i}` });
    if (i % 10 === 0) {
      fake.addDonations(daUserId, [{}, {}, {}]);
    }
    const tokens = await mintDonationAlertsTokens(fake, daUserId);
    streamers.push({ streamerId: randomUUID(), daUserId, ...tokens });
  }

  const dataSource = app.get(DataSource);
  for (let start = 0; start < streamers.length; start += INSERT_BATCH) {
    const rows = streamers.slice(start, start + INSERT_BATCH).map(({ streamerId }, offset) => ({
      id: streamerId,
      twitchId: String(FIRST_TWITCH_ID + start + offset),
      login: `bench_streamer_${start + offset}`,
      displayName: `Bench_Streamer_${start + offset}`,
      avatarUrl: null,
      overlayToken: newOverlayToken(),
      status: 'active' as const,
      createdAt: now,
      updatedAt: now,
    }));
    await dataSource.createQueryBuilder().insert().into(StreamerEntity).values(rows).execute();
  }

  const credentials = app.get(OAuthCredentialsRepository);
  let next = 0;
  const saveNext = async (): Promise<void> => {
    while (next < streamers.length) {
      const streamer = streamers[next];
      next += 1;
      await credentials.save({
        streamerId: streamer.streamerId,
        provider: 'donationalerts',
        accountId: String(streamer.daUserId),
        accessToken: streamer.accessToken,
        refreshToken: streamer.refreshToken,
        expiresAt: now + streamer.expiresIn * 1000,
        scopes: DA_TEST_SCOPES,
      });
    }
  };
  await Promise.all(Array.from({ length: SAVE_CONCURRENCY }, saveNext));
  return streamers.map(({ streamerId, daUserId, accessToken }) => ({ streamerId, daUserId, accessToken }));
}
