import { Injectable } from '@nestjs/common';
import { DonationAlertsBudget, DonationAlertsOAuthClient } from '../donation-alerts';
import { NotConnectedError, OAuthTokenService, ReauthRequiredError } from '../oauth';

export const DONATION_PAGE_BASE = 'https://www.donationalerts.com/r/';

/**
 * The streamer's DonationAlerts page (`https://www.donationalerts.com/r/<code>`, `code` from
 * `GET /api/v1/user/oauth`), for `!donate`. Asked once per streamer and instance (it costs one request of the
 * shared DonationAlerts budget), then remembered; null while DonationAlerts is not connected.
 */
@Injectable()
export class DonationPageLinks {
  private readonly known = new Map<string, Promise<string | null>>();

  constructor(
    private readonly oauth: DonationAlertsOAuthClient,
    private readonly tokens: OAuthTokenService,
    private readonly budget: DonationAlertsBudget,
  ) {}

  link(streamerId: string): Promise<string | null> {
    let pending = this.known.get(streamerId);
    if (!pending) {
      pending = this.ask(streamerId);
      this.known.set(streamerId, pending);
      // A failure is not remembered: the next `!donate` asks again.
      pending.then(
        (link) => link ?? this.known.delete(streamerId),
        () => this.known.delete(streamerId),
      );
    }
    return pending;
  }

  private async ask(streamerId: string): Promise<string | null> {
    try {
      const user = await this.tokens.withAccessToken(this.oauth, streamerId, async (token) => {
        await this.budget.take(streamerId);
        return this.oauth.currentUser(token);
      });
      return user.code ? `${DONATION_PAGE_BASE}${encodeURIComponent(user.code)}` : null;
    } catch (error) {
      if (error instanceof NotConnectedError || error instanceof ReauthRequiredError) {
        return null;
      }
      throw error;
    }
  }
}
