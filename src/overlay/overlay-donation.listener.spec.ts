import { EventEmitter2 } from '@nestjs/event-emitter';
import type { OverlayConfig } from '../../config';
import { SystemClock } from '../../libs/clock';
import {
  AlertSettingsService,
  DEFAULT_ALERT_SETTINGS,
  type AlertSettings,
  type ModerationService,
  type ModerationVerdict,
  type MediaKind,
} from '../alerts';
import { AlertSettingsRepository } from '../alerts/alert-settings.repository';
import { AlertMediaRepository } from '../alerts/media/alert-media.repository';
import type { Donation } from '../donations';
import { MemoryAnnouncedDonations } from './announced-donations';
import { MemoryOverlayEventLog } from './memory-overlay-event-log';
import type { OverlayEvent } from './overlay-event';
import { OverlayDonationListener } from './overlay-donation.listener';

const OVERLAY: OverlayConfig = {
  historySize: 200,
  historyMaxAgeMs: 60_000,
  heartbeatMs: 15_000,
  alertDurationMs: 8000,
};

/** Settings reads that wait until the test lets the n-th one finish, so reads can finish out of order. */
class GatedSettings extends AlertSettingsRepository {
  readonly pending: Array<() => void> = [];

  get(): Promise<AlertSettings> {
    return new Promise((resolve) => this.pending.push(() => resolve(DEFAULT_ALERT_SETTINGS)));
  }

  save(): Promise<void> {
    return Promise.resolve();
  }
}

/** Moderation is not what this tests: every donation is clean. */
const nothingBanned = {
  verdictFor: (donation: Donation): Promise<ModerationVerdict> =>
    Promise.resolve({ status: 'clean', donorName: donation.donorName, message: donation.message }),
} as ModerationService;

/** The listener only reads settings, so nothing asks about uploads. */
class NoMedia extends AlertMediaRepository {
  insertWithinQuota(): Promise<boolean> {
    return Promise.resolve(false);
  }
  list(): Promise<[]> {
    return Promise.resolve([]);
  }
  find(): Promise<null> {
    return Promise.resolve(null);
  }
  data(): Promise<null> {
    return Promise.resolve(null);
  }
  delete(): Promise<boolean> {
    return Promise.resolve(false);
  }
  kindsOf(): Promise<Map<string, MediaKind>> {
    return Promise.resolve(new Map<string, MediaKind>());
  }
}

function donation(n: number): Donation {
  return {
    id: `d${n}`,
    streamerId: 's1',
    provider: 'donationalerts',
    channel: 'webhook',
    externalId: String(n),
    donorName: `donor ${n}`,
    amount: `${n}.00`,
    currency: 'RUB',
    message: '',
    createdAt: n,
    receivedAt: n,
  };
}

describe(OverlayDonationListener.name, () => {
  it("appends one streamer's donations in the order they were announced, whichever settings read ends first", async () => {
    const clock = new SystemClock();
    const log = new MemoryOverlayEventLog(OVERLAY, clock);
    const settings = new GatedSettings();
    const listener = new OverlayDonationListener(
      log,
      new MemoryAnnouncedDonations(clock),
      new AlertSettingsService(settings, new EventEmitter2(), clock, new NoMedia()),
      nothingBanned,
      OVERLAY,
    );
    const appended: OverlayEvent[] = [];
    await log.subscribe('s1', (event) => appended.push(event));

    let finished = false;
    const done = Promise.all([1, 2, 3].map((n) => listener.onDonation(donation(n)))).then(() => {
      finished = true;
    });
    // Whatever reads are waiting finish newest first: a later donation must still not overtake an earlier one.
    while (!finished) {
      settings.pending
        .splice(0)
        .reverse()
        .forEach((release) => release());
      await new Promise((resolve) => setImmediate(resolve));
    }
    await done;

    expect(appended.map((event) => (event.data as { donationId: string }).donationId)).toEqual([
      'd1',
      'd2',
      'd3',
    ]);
  });
});
