import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { PushEvents, type PushResumed } from '../donations';
import { OAuthCredentialsRepository } from '../oauth';
import { OnboardingEvents } from '../streamers';
import { DonationAlertsScheduler } from './donation-alerts-scheduler';

/** Keeps the schedule in step with DonationAlerts connections and push channels coming back. */
@Injectable()
export class SchedulerMembership {
  constructor(
    private readonly scheduler: DonationAlertsScheduler,
    private readonly credentials: OAuthCredentialsRepository,
  ) {}

  @OnEvent(OnboardingEvents.donationAlertsConnected, { promisify: true })
  onConnected(streamerId: string): Promise<void> {
    return this.scheduler.add(streamerId);
  }

  /** The push channel has no history: what was donated while it was down is found by a poll, now. */
  @OnEvent(PushEvents.resumed, { promisify: true })
  onPushResumed({ streamerId }: PushResumed): Promise<void> {
    return this.scheduler.pollSoon(streamerId);
  }

  @OnEvent(OnboardingEvents.donationAlertsDisconnected, { promisify: true })
  onDisconnected(streamerId: string): Promise<void> {
    return this.scheduler.remove(streamerId, 'DonationAlerts disconnected');
  }

  /** Adds every streamer with a working DonationAlerts connection and drops the rest (run by the leader). */
  async reconcile(): Promise<{ added: number; removed: number }> {
    const connected = new Set(await this.credentials.listActiveStreamerIds('donationalerts'));
    const scheduled = await this.scheduler.scheduledIds();
    let removed = 0;
    for (const streamerId of scheduled.filter((id) => !connected.has(id))) {
      await this.scheduler.remove(streamerId, 'no working DonationAlerts connection');
      removed += 1;
    }
    const known = new Set(scheduled);
    const missing = [...connected].filter((id) => !known.has(id));
    for (const streamerId of missing) {
      await this.scheduler.add(streamerId);
    }
    return { added: missing.length, removed };
  }
}
