import { setTimeout as sleep } from 'node:timers/promises';
import { BudgetExhaustedError } from '../donation-alerts';
import type { RealtimeDeps } from './realtime-connection';

export interface SocketCredentials {
  userId: number;
  socketToken: string;
}

/**
 * The DonationAlerts calls of one streamer's socket. Each takes its place in the shared budget (waiting for
 * room, abortably) and refreshes the access token once on 401, as the poller does.
 */
export class RealtimeApi {
  constructor(
    private readonly streamerId: string,
    private readonly deps: RealtimeDeps,
    private readonly signal: AbortSignal,
  ) {}

  /** The user id and socket token (`GET /api/v1/user/oauth`). */
  async socketCredentials(): Promise<SocketCredentials> {
    const user = await this.budgeted((token) => this.deps.oauth.currentUser(token));
    if (!user.socket_connection_token) {
      throw new Error('DonationAlerts returned no socket_connection_token');
    }
    return { userId: user.id, socketToken: user.socket_connection_token };
  }

  /** The channel token for one connection (`POST /api/v1/centrifuge/subscribe`). */
  subscriptionToken(clientId: string, channel: string): Promise<string> {
    return this.budgeted((token) => this.deps.client.subscriptionToken(token, clientId, channel));
  }

  private budgeted<T>(call: (accessToken: string) => Promise<T>): Promise<T> {
    return this.deps.tokens.withAccessToken(this.deps.oauth, this.streamerId, async (token) => {
      await this.takeBudget();
      return call(token);
    });
  }

  private async takeBudget(): Promise<void> {
    for (;;) {
      try {
        return await this.deps.budget.take(this.streamerId);
      } catch (error) {
        if (!(error instanceof BudgetExhaustedError)) {
          throw error;
        }
        await sleep(error.retryAfterMs, undefined, { signal: this.signal });
      }
    }
  }
}
