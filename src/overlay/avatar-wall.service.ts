import { Injectable, Logger } from '@nestjs/common';
import { InjectConfig, type AvatarsConfig } from '../../config';
import { Clock } from '../../libs/clock';
import type { ViewerMessage } from '../common';
import { AvatarLookup } from './avatar-lookup';
import { stepAfterLine } from './avatar-wall.policy';
import {
  AvatarWallStore,
  type ChatterIdentity,
  type WallDeparture,
  type WallEntry,
} from './avatar-wall.store';
import type { ChatterData } from './overlay-event';
import { OverlayEventLog } from './overlay-event-log';
import { OverlayMetrics } from './overlay.metrics';

/** The `wall` frame a stream opened with `?wall=1` starts with: everyone on the wall, least recently seen first. */
export interface AvatarWallSnapshot {
  /** AVATARS_MAX: the page never shows more, even if a `chatter-left` went missing. */
  max: number;
  viewers: ChatterData[];
}

function chatterOf(entry: WallEntry): ChatterData {
  return {
    userId: entry.userId,
    login: entry.login,
    displayName: entry.displayName,
    avatarUrl: entry.avatar.url,
    lastSeenAt: entry.lastSeenAt,
  };
}

/**
 * The avatar wall: chat lines put viewers on it, silence and newer chatters take them off. The overlay log gets
 * a `chatter` event when a viewer joins (with their avatar, or null when the lookup failed), when a failed
 * avatar is found on a later line, or when their name changes; and a `chatter-left` event when one leaves.
 * Lines of a viewer already shown append nothing. Departures are reported by the store exactly once, whichever
 * instance's line or sweep caused them.
 */
@Injectable()
export class AvatarWall {
  private readonly logger = new Logger(AvatarWall.name);
  /** Streamers whose chat lines arrived here, and when the latest did: the walls this instance feeds. */
  private readonly fed = new Map<string, number>();

  constructor(
    private readonly store: AvatarWallStore,
    private readonly lookup: AvatarLookup,
    private readonly log: OverlayEventLog,
    private readonly clock: Clock,
    @InjectConfig('avatars') private readonly settings: AvatarsConfig,
    metrics: OverlayMetrics,
  ) {
    metrics.countActiveChatters(() => this.activeChatters());
  }

  async record(message: ViewerMessage): Promise<void> {
    const now = this.clock.now();
    const { streamerId } = message;
    const identity: ChatterIdentity = {
      userId: message.userId,
      login: message.login,
      displayName: message.displayName,
    };
    this.fed.delete(streamerId);
    this.fed.set(streamerId, now);
    const outcome = await this.store.touch(streamerId, identity, now, this.settings);
    await this.announceDepartures(streamerId, outcome.left);
    switch (stepAfterLine(outcome, identity, now)) {
      case 'look-up':
        await this.lookUp(streamerId, identity.userId, outcome.joined);
        return;
      case 'announce':
        await this.announce(streamerId, {
          ...identity,
          avatarUrl: outcome.before!.avatar.url,
          lastSeenAt: now,
        });
        return;
      case 'none':
        return;
    }
  }

  /** Takes the viewers silent for AVATARS_IDLE_MS off every wall (a leader job); returns how many left. */
  async sweep(): Promise<number> {
    const left = await this.store.sweep(this.clock.now(), this.settings.idleMs);
    for (const { streamerId, userId } of left) {
      await this.announceDepartures(streamerId, [{ userId, reason: 'idle' }]);
    }
    return left.length;
  }

  async snapshot(streamerId: string): Promise<AvatarWallSnapshot> {
    const entries = await this.store.wall(streamerId, this.clock.now(), this.settings.idleMs);
    return { max: this.settings.max, viewers: entries.map(chatterOf) };
  }

  /**
   * `chat_avatars_active`: the viewers on the walls this instance feeds (streamers whose chat lines reached it
   * within AVATARS_IDLE_MS). The bot of a streamer runs on one instance, so the sum over instances counts each
   * wall once, except for the idle time after a bot moved.
   */
  private async activeChatters(): Promise<number> {
    const now = this.clock.now();
    let total = 0;
    for (const [streamerId, lastLineAt] of [...this.fed]) {
      if (lastLineAt <= now - this.settings.idleMs) {
        this.fed.delete(streamerId);
        continue;
      }
      total += await this.store.count(streamerId, now, this.settings.idleMs);
    }
    return total;
  }

  private async lookUp(streamerId: string, userId: string, joined: boolean): Promise<void> {
    const answer = await this.lookup.avatarOf(streamerId, userId);
    const entry = await this.store.setAvatar(
      streamerId,
      userId,
      answer.status === 'resolved'
        ? { status: 'resolved', url: answer.url, at: this.clock.now() }
        : { status: 'failed', url: null, at: this.clock.now() },
    );
    // Gone meanwhile (idle, or replaced by newer chatters): its `chatter-left` is out already.
    if (!entry) {
      return;
    }
    if (answer.status === 'failed') {
      this.logger.warn(`No avatar yet for viewer ${userId} of streamer ${streamerId}: ${answer.reason}`);
    }
    if (joined || entry.avatar.url !== null) {
      await this.announce(streamerId, chatterOf(entry));
    }
  }

  private async announce(streamerId: string, chatter: ChatterData): Promise<void> {
    await this.log.append(streamerId, { type: 'chatter', data: chatter });
  }

  private async announceDepartures(streamerId: string, left: WallDeparture[]): Promise<void> {
    for (const departure of left) {
      await this.log.append(streamerId, { type: 'chatter-left', data: departure });
    }
  }
}
