import { Global, Logger, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { DataSource } from 'typeorm';
import { setTimeout as delay } from 'node:timers/promises';
import type { LeaderConfig } from '../../config';
import { ClockModule, SystemClock } from '../../libs/clock';
import {
  LeaderEvents,
  LeaderService,
  LocksModule,
  LocksOptions,
  type LeadershipChange,
} from '../../libs/locks';
import { RedisModule } from '../../libs/redis';
import { testRedisConfig } from '../support/redis';
import {
  createLockBackend,
  type LockBackend,
  type LockBackendKind,
  type LockInstance,
} from '../support/lock-backends';
import { waitFor, within } from '../support/waiting';

/** The Redis lock backend needs no database. */
@Global()
@Module({ providers: [{ provide: DataSource, useValue: null }], exports: [DataSource] })
class NoDatabaseModule {}

const FAST: LeaderConfig = { heartbeatMs: 100, leaseMs: 500 };
/** Room for a few round trips on a busy CI machine. */
const SLACK_MS = 1000;

/** One instance of the service: its own lock connection, its own in-process events, its own LeaderService. */
interface Candidate {
  instance: LockInstance;
  service: LeaderService;
  events: EventEmitter2;
}

async function openCandidate(backend: LockBackend, settings: LeaderConfig): Promise<Candidate> {
  const instance = await backend.openInstance();
  const events = new EventEmitter2();
  return {
    instance,
    service: new LeaderService(instance.provider, new SystemClock(), events, {
      instanceId: instance.instanceId,
      leader: settings,
    }),
    events,
  };
}

/** Starts every candidate and waits until each has finished its first heartbeat. */
async function startAll(all: Candidate[]): Promise<void> {
  for (const { service } of all) {
    service.start();
  }
  await Promise.all(all.map(({ service }) => service.heartbeat()));
}

function leaders(all: Candidate[]): Candidate[] {
  return all.filter(({ service }) => service.isLeader());
}

function leaderAndFollower(all: Candidate[]): { leader: Candidate; follower: Candidate } {
  const [leader] = leaders(all);
  expect(leader).toBeDefined();
  return { leader, follower: all.find((other) => other !== leader)! };
}

function nextChange(candidate: Candidate, event: string): Promise<LeadershipChange> {
  return new Promise((resolve) => candidate.events.once(event, resolve));
}

describe(LeaderService.name, () => {
  let backend: LockBackend | undefined;
  let candidates: Candidate[] = [];

  async function candidate(settings: LeaderConfig = FAST): Promise<Candidate> {
    const created = await openCandidate(backend!, settings);
    candidates.push(created);
    return created;
  }

  beforeAll(() => {
    Logger.overrideLogger(['error']);
  });

  // A backend (Redis prefix or database) per test, so a crashed leader's lease never outlives its test.
  afterEach(async () => {
    await Promise.all(candidates.map(({ service }) => service.stop()));
    candidates = [];
    await backend?.close();
    backend = undefined;
  });

  it('takes its settings from LocksModule.forRoot, as the app wires them from its config', async () => {
    const options = { instanceId: 'wired-instance', leader: FAST };
    const moduleRef = await Test.createTestingModule({
      imports: [
        EventEmitterModule.forRoot(),
        ClockModule,
        RedisModule.forRoot(testRedisConfig()),
        NoDatabaseModule,
        LocksModule.forRoot(options),
      ],
    }).compile();
    try {
      expect(moduleRef.get(LocksOptions)).toEqual(options);
      await moduleRef.init();
      const leader = moduleRef.get(LeaderService);
      await waitFor(() => leader.isLeader(), { timeoutMs: 5000 });
      expect(leader.epoch()).toBeGreaterThan(0);
    } finally {
      await moduleRef.close();
    }
  });

  describe.each<LockBackendKind>(['redis', 'sqlite', 'postgres'])('with the %s lock backend', (kind) => {
    beforeEach(async () => {
      backend = await createLockBackend(kind);
    });

    it('elects exactly one of three instances, with a positive epoch', async () => {
      const all = await Promise.all([candidate(), candidate(), candidate()]);
      const elected: LeadershipChange[] = [];
      for (const { events } of all) {
        events.on(LeaderEvents.elected, (change: LeadershipChange) => elected.push(change));
      }

      await startAll(all);

      expect(leaders(all)).toHaveLength(1);
      const [leader] = leaders(all);
      expect(leader.service.epoch()).toBeGreaterThan(0);
      expect(all.filter((other) => other !== leader).map(({ service }) => service.epoch())).toEqual([0, 0]);
      expect(elected).toEqual([{ instanceId: leader.instance.instanceId, epoch: leader.service.epoch() }]);

      await Promise.all(all.map(({ service }) => service.heartbeat()));
      await Promise.all(all.map(({ service }) => service.heartbeat()));

      expect(leaders(all)).toEqual([leader]);
      expect(elected).toHaveLength(1);
    });

    it('keeps the same leader past its lease by renewing it on every heartbeat', async () => {
      const all = await Promise.all([candidate(), candidate()]);
      await startAll(all);
      const { leader, follower } = leaderAndFollower(all);
      const epoch = leader.service.epoch();
      const followerElected = jest.fn();
      follower.events.on(LeaderEvents.elected, followerElected);

      // Nothing announces that nothing happened: let three leases' worth of heartbeats go by.
      await delay(FAST.leaseMs * 3);

      expect(leaders(all)).toEqual([leader]);
      expect(leader.service.epoch()).toBe(epoch);
      expect(followerElected).not.toHaveBeenCalled();
    });

    it('fails over within one lease and one heartbeat when the leader crashes, with a higher epoch', async () => {
      const all = await Promise.all([candidate(), candidate()]);
      await startAll(all);
      const { leader, follower } = leaderAndFollower(all);
      const oldEpoch = leader.service.epoch();
      let crashedStillLeading: boolean | undefined;
      const takeover = nextChange(follower, LeaderEvents.elected).then((change) => {
        crashedStillLeading = leader.service.isLeader();
        return { change, at: Date.now() };
      });
      const lost = nextChange(leader, LeaderEvents.lost);

      const crashedAt = Date.now();
      await leader.instance.crash();

      const bound = FAST.leaseMs + FAST.heartbeatMs + SLACK_MS;
      const { change, at } = await within(takeover, bound, 'the follower taking over');
      expect(at - crashedAt).toBeLessThanOrEqual(bound);
      expect(change).toEqual({ instanceId: follower.instance.instanceId, epoch: follower.service.epoch() });
      expect(change.epoch).toBeGreaterThan(oldEpoch);
      expect(follower.service.isLeader()).toBe(true);
      expect(crashedStillLeading).toBe(false);
      await expect(within(lost, bound, 'the crashed leader noticing')).resolves.toEqual({
        instanceId: leader.instance.instanceId,
        epoch: oldEpoch,
      });
      expect(leader.service.isLeader()).toBe(false);
      expect(leader.service.epoch()).toBe(0);
    });

    it('stops reporting leadership within its lease when it is alone and its connection is cut', async () => {
      const alone = await candidate();
      await startAll([alone]);
      expect(alone.service.isLeader()).toBe(true);
      await alone.service.heartbeat();
      const lastRenewal = Date.now();

      await alone.instance.crash();
      await waitFor(() => !alone.service.isLeader(), {
        timeoutMs: FAST.leaseMs + SLACK_MS,
        what: 'the cut-off leader giving up',
      });

      expect(Date.now() - lastRenewal).toBeLessThanOrEqual(FAST.leaseMs + SLACK_MS);
      expect(alone.service.epoch()).toBe(0);
    });

    it('hands leadership over on the next heartbeat after a graceful stop(), long before the lease runs out', async () => {
      const settings: LeaderConfig = { heartbeatMs: 100, leaseMs: 5000 };
      const all = await Promise.all([candidate(settings), candidate(settings)]);
      await startAll(all);
      const { leader, follower } = leaderAndFollower(all);
      const oldEpoch = leader.service.epoch();
      const takeover = nextChange(follower, LeaderEvents.elected);

      const stoppedAt = Date.now();
      await leader.service.stop();

      expect(leader.service.isLeader()).toBe(false);
      const change = await within(takeover, settings.heartbeatMs + SLACK_MS, 'the follower taking over');
      expect(Date.now() - stoppedAt).toBeLessThan(settings.heartbeatMs + SLACK_MS);
      expect(change.instanceId).toBe(follower.instance.instanceId);
      expect(change.epoch).toBeGreaterThan(oldEpoch);
      expect(leaders(all)).toEqual([follower]);
    });
  });

  describe('with a Redis connection that stops answering', () => {
    let resumeStalled: () => void = () => undefined;

    beforeEach(async () => {
      backend = await createLockBackend('redis');
    });

    afterEach(() => resumeStalled());

    it('gives leadership up by its own clock while a renewal hangs, before anyone else is elected', async () => {
      const all = await Promise.all([candidate(), candidate()]);
      await startAll(all);
      const { leader, follower } = leaderAndFollower(all);
      const lostWhileStalled = jest.fn();
      leader.events.on(LeaderEvents.lost, lostWhileStalled);
      let stalledStillLeading: boolean | undefined;
      const takeover = nextChange(follower, LeaderEvents.elected).then((change) => {
        stalledStillLeading = leader.service.isLeader();
        return change;
      });

      const stream = leader.instance.redis!.client!.stream;
      stream.pause();
      resumeStalled = () => {
        stream.resume();
        resumeStalled = () => undefined;
      };
      const stalledAt = Date.now();

      await waitFor(() => !leader.service.isLeader(), {
        timeoutMs: FAST.leaseMs + SLACK_MS,
        what: 'the stalled leader giving up',
      });
      expect(Date.now() - stalledAt).toBeLessThanOrEqual(FAST.leaseMs + SLACK_MS);
      const change = await within(
        takeover,
        FAST.leaseMs + FAST.heartbeatMs + SLACK_MS,
        'the follower taking over',
      );
      expect(stalledStillLeading).toBe(false);
      expect(lostWhileStalled).not.toHaveBeenCalled();
      expect(change.instanceId).toBe(follower.instance.instanceId);

      const lost = nextChange(leader, LeaderEvents.lost);
      resumeStalled();
      await expect(within(lost, SLACK_MS, 'the stalled leader noticing')).resolves.toMatchObject({
        instanceId: leader.instance.instanceId,
      });
      expect(leaders(all)).toEqual([follower]);
    });
  });
});
