import { Injectable } from '@nestjs/common';
import { RealtimeActivityStore } from './realtime-activity.store';
import { RealtimeService } from './realtime.service';

export interface RealtimeStreamerStats {
  state: string;
  owner: string | null;
  since: number | null;
  lastPushAt: number | null;
  reconnects: number;
  lastError: string | null;
}

export interface RealtimeStats {
  enabled: boolean;
  total: number;
  byState: Record<string, number>;
  instances: string[];
  streamers: Record<string, RealtimeStreamerStats>;
}

/** The realtime sockets of the whole cluster, as the shared ownership state and activity store record them. */
@Injectable()
export class RealtimeStatsService {
  constructor(
    private readonly realtime: RealtimeService,
    private readonly activity: RealtimeActivityStore,
  ) {}

  async stats(): Promise<RealtimeStats> {
    const states = (await this.realtime.states()).filter((state) => state.owner !== null);
    const activity = await this.activity.getMany(states.map((state) => state.key));
    const streamers: Record<string, RealtimeStreamerStats> = {};
    const byState: Record<string, number> = {};
    states.forEach((state, i) => {
      streamers[state.key] = {
        state: state.status,
        owner: state.owner,
        since: state.since,
        lastPushAt: activity[i].lastPushAt,
        reconnects: activity[i].reconnects,
        lastError: state.lastError,
      };
      byState[state.status] = (byState[state.status] ?? 0) + 1;
    });
    return {
      enabled: this.realtime.settings.enabled,
      total: states.length,
      byState,
      instances: await this.realtime.ownership.liveInstances(),
      streamers,
    };
  }
}
