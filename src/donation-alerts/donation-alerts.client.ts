import { Injectable } from '@nestjs/common';
import { InjectConfig, type DonationAlertsConfig } from '../../config';
import { Clock } from '../../libs/clock';
import { requestJson } from '../common';
import { MalformedResponseError, type DonationAlertsDonation } from './donation-alerts.mapper';

export interface DonationsPage {
  donations: DonationAlertsDonation[];
  currentPage: number;
  lastPage: number;
}

function isDonation(value: unknown): value is DonationAlertsDonation {
  const candidate = value as DonationAlertsDonation;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    Number.isSafeInteger(candidate.id) &&
    typeof candidate.currency === 'string' &&
    typeof candidate.created_at === 'string' &&
    (typeof candidate.amount === 'number' || typeof candidate.amount === 'string')
  );
}

/** DonationAlerts' REST API at DA_BASE_URL, for one access token at a time. */
@Injectable()
export class DonationAlertsClient {
  private readonly baseUrl: string;
  private readonly timeoutMs: number;

  constructor(
    @InjectConfig('donationAlerts') settings: DonationAlertsConfig,
    private readonly clock: Clock,
  ) {
    this.baseUrl = settings.baseUrl;
    this.timeoutMs = settings.requestTimeoutMs;
  }

  /**
   * The token for subscribing connection `clientId` to `channel` (`POST /api/v1/centrifuge/subscribe`, scope
   * `oauth-donation-subscribe`). Every new socket connection has a new client id, so every connect costs one.
   */
  async subscriptionToken(accessToken: string, clientId: string, channel: string): Promise<string> {
    const body = await requestJson<{ channels?: Array<{ channel?: unknown; token?: unknown }> }>(
      `${this.baseUrl}/api/v1/centrifuge/subscribe`,
      {
        json: { channels: [channel], client: clientId },
        headers: { authorization: `Bearer ${accessToken}` },
        timeoutMs: this.timeoutMs,
        now: () => this.clock.now(),
      },
    );
    const granted = body?.channels?.find((entry) => entry.channel === channel);
    if (typeof granted?.token !== 'string' || !granted.token) {
      throw new MalformedResponseError(`no subscription token for ${channel}`);
    }
    return granted.token;
  }

  /** One page (30 donations, newest first) of the token owner's donations. */
  async donations(accessToken: string, page: number): Promise<DonationsPage> {
    const body = await requestJson<{ data?: unknown; meta?: { current_page?: number; last_page?: number } }>(
      `${this.baseUrl}/api/v1/alerts/donations?page=${page}`,
      {
        headers: { authorization: `Bearer ${accessToken}` },
        timeoutMs: this.timeoutMs,
        now: () => this.clock.now(),
      },
    );
    if (!body || !Array.isArray(body.data)) {
      throw new MalformedResponseError('no data array');
    }
    const items: unknown[] = body.data;
    const invalid = items.find((item) => !isDonation(item));
    if (invalid !== undefined) {
      throw new MalformedResponseError(`donation ${JSON.stringify(invalid).slice(0, 120)}`);
    }
    return {
      donations: items as DonationAlertsDonation[],
      currentPage: body.meta?.current_page ?? page,
      lastPage: body.meta?.last_page ?? page,
    };
  }
}
