import { SystemClock } from '../../libs/clock';
import { Logger } from '@nestjs/common';
import { LocalEventBus, RedisEventBus, type BusHandler, type BusMessage } from '../../libs/event-bus';
import type { RedisConnection } from '../../libs/redis';
import { clearRedisPrefix, openRedis, testRedisConfig } from '../support/redis';
import { within } from '../support/waiting';

const DELIVERY_TIMEOUT_MS = 2000;

/** Collects what a subscriber receives and lets a test await the n-th message instead of sleeping. */
class Inbox<T = unknown> {
  readonly messages: Array<BusMessage<T>> = [];
  private readonly waiters: Array<{ done: () => boolean; resolve: () => void }> = [];

  readonly handler: BusHandler<T> = (message) => {
    this.messages.push(message);
    for (const waiter of this.waiters.filter(({ done }) => done())) {
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  get payloads(): T[] {
    return this.messages.map(({ payload }) => payload);
  }

  /** Resolves once `count` messages have arrived in total. */
  received(count: number): Promise<void> {
    return this.until(() => this.messages.length >= count, `message #${count}`);
  }

  /** Resolves once the end marker has arrived: everything published before it has been delivered too. */
  receivedEnd(): Promise<void> {
    return this.until(() => this.messages.some(({ payload }) => isEnd(payload)), 'the end marker');
  }

  private async until(done: () => boolean, what: string): Promise<void> {
    if (done()) {
      return;
    }
    await within(
      new Promise<void>((resolve) => this.waiters.push({ done, resolve })),
      DELIVERY_TIMEOUT_MS,
      `delivery of ${what}`,
    );
  }
}

// Handlers throw on purpose here; the registry's error logs would only be noise.
beforeAll(() => {
  Logger.overrideLogger(false);
});

let topicCounter = 0;
const nextTopic = (): string => `topic-${++topicCounter}`;
/** Published last: Redis keeps the order of one connection's messages, so its arrival flushes the others. */
const END = { end: true };
const isEnd = (payload: unknown): boolean => JSON.stringify(payload) === JSON.stringify(END);

describe(RedisEventBus.name, () => {
  const sharedConfig = testRedisConfig();
  const otherConfig = testRedisConfig();
  const connections: RedisConnection[] = [];
  let busA: RedisEventBus;
  let busB: RedisEventBus;
  let busElsewhere: RedisEventBus;

  async function openBus(instanceId: string, config = sharedConfig): Promise<RedisEventBus> {
    const connection = await openRedis(config);
    connections.push(connection);
    return new RedisEventBus(connection, instanceId, new SystemClock());
  }

  beforeAll(async () => {
    [busA, busB, busElsewhere] = await Promise.all([
      openBus('instance-a'),
      openBus('instance-b'),
      openBus('instance-elsewhere', otherConfig),
    ]);
  });

  afterAll(async () => {
    await Promise.all(connections.map((connection) => connection.close()));
    await clearRedisPrefix(sharedConfig.keyPrefix);
    await clearRedisPrefix(otherConfig.keyPrefix);
  });

  it('delivers a message published on one instance exactly once to subscribers on both, with payload and origin', async () => {
    const topic = nextTopic();
    const onA = new Inbox();
    const onB = new Inbox();
    await busA.subscribe(topic, onA.handler);
    await busB.subscribe(topic, onB.handler);
    const payload = {
      streamerId: 's-1',
      amount: '150.00',
      donor: 'Вася',
      tags: ['a', 'b'],
      anonymous: false,
    };
    const before = Date.now();

    await busA.publish(topic, payload);
    await busA.publish(topic, END);

    await onA.received(2);
    await onB.received(2);
    for (const inbox of [onA, onB]) {
      expect(inbox.payloads).toEqual([payload, END]);
      expect(inbox.messages[0]).toEqual({
        topic,
        payload,
        origin: 'instance-a',
        publishedAt: expect.any(Number),
      });
      expect(inbox.messages[0].publishedAt).toBeGreaterThanOrEqual(before);
    }
  });

  it('delivers the payload as it was when publish() was called, unaffected by later changes', async () => {
    const topic = nextTopic();
    const inbox = new Inbox<{ amount: string; tags: string[] }>();
    await busB.subscribe(topic, inbox.handler);
    const payload = { amount: '10.00', tags: ['first'] };

    await busA.publish(topic, payload);
    payload.amount = '99.00';
    payload.tags.push('changed');

    await inbox.received(1);
    expect(inbox.payloads).toEqual([{ amount: '10.00', tags: ['first'] }]);
  });

  it('delivers to every handler of a topic on an instance, once each', async () => {
    const topic = nextTopic();
    const first = new Inbox();
    const second = new Inbox();
    await busB.subscribe(topic, first.handler);
    await busB.subscribe(topic, second.handler);

    await busA.publish(topic, 'hello');
    await busA.publish(topic, END);

    await first.received(2);
    await second.received(2);
    expect(first.payloads).toEqual(['hello', END]);
    expect(second.payloads).toEqual(['hello', END]);
  });

  it('stops delivering to a handler once it unsubscribes, and keeps delivering to the others', async () => {
    const topic = nextTopic();
    const leaving = new Inbox();
    const staying = new Inbox();
    const unsubscribe = await busB.subscribe(topic, leaving.handler);
    await busB.subscribe(topic, staying.handler);
    await busA.publish(topic, 'before');
    await staying.received(1);
    await leaving.received(1);

    await unsubscribe();
    await busA.publish(topic, 'after');
    await busA.publish(topic, END);

    await staying.received(3);
    expect(staying.payloads).toEqual(['before', 'after', END]);
    expect(leaving.payloads).toEqual(['before']);
  });

  it('stops delivering a topic once its last handler unsubscribes', async () => {
    const topic = nextTopic();
    const flushTopic = nextTopic();
    const leaving = new Inbox();
    const flush = new Inbox();
    const unsubscribe = await busB.subscribe(topic, leaving.handler);
    await busB.subscribe(flushTopic, flush.handler);

    await unsubscribe();
    await busA.publish(topic, 'unheard');
    await busA.publish(flushTopic, END);

    await flush.received(1);
    expect(leaving.messages).toEqual([]);
  });

  it('keeps delivering to the other handlers when one throws or rejects', async () => {
    const topic = nextTopic();
    const throwing = jest.fn(() => {
      throw new Error('handler bug');
    });
    const rejecting = jest.fn(() => Promise.reject(new Error('async handler bug')));
    const healthy = new Inbox();
    await busB.subscribe(topic, throwing);
    await busB.subscribe(topic, rejecting);
    await busB.subscribe(topic, healthy.handler);

    await busA.publish(topic, 1);
    await busA.publish(topic, 2);

    await healthy.received(2);
    expect(healthy.payloads).toEqual([1, 2]);
    expect(throwing).toHaveBeenCalledTimes(2);
    expect(rejecting).toHaveBeenCalledTimes(2);
  });

  it('keeps topics apart', async () => {
    const donations = nextTopic();
    const alerts = nextTopic();
    const onDonations = new Inbox();
    const onAlerts = new Inbox();
    await busB.subscribe(donations, onDonations.handler);
    await busB.subscribe(alerts, onAlerts.handler);

    await busA.publish(donations, 'donation');
    await busA.publish(alerts, 'alert');
    await busA.publish(donations, END);

    await onDonations.received(2);
    await onAlerts.received(1);
    expect(onDonations.messages.map(({ topic, payload }) => ({ topic, payload }))).toEqual([
      { topic: donations, payload: 'donation' },
      { topic: donations, payload: END },
    ]);
    expect(onAlerts.messages.map(({ topic, payload }) => ({ topic, payload }))).toEqual([
      { topic: alerts, payload: 'alert' },
    ]);
  });

  it('does not deliver to an instance under another key prefix', async () => {
    const topic = nextTopic();
    const sameDeployment = new Inbox();
    const otherDeployment = new Inbox();
    await busB.subscribe(topic, sameDeployment.handler);
    await busElsewhere.subscribe(topic, otherDeployment.handler);

    await busA.publish(topic, 'ours');
    await busElsewhere.publish(topic, 'theirs');

    await sameDeployment.received(1);
    await otherDeployment.received(1);
    expect(sameDeployment.messages).toEqual([
      expect.objectContaining({ payload: 'ours', origin: 'instance-a' }),
    ]);
    expect(otherDeployment.messages).toEqual([
      expect.objectContaining({ payload: 'theirs', origin: 'instance-elsewhere' }),
    ]);
  });

  it('delivers to a handler a message published as soon as its subscribe() resolved, while an earlier subscribe() to the topic is still pending', async () => {
    const topic = nextTopic();
    const fresh = await openBus('instance-fresh');
    const early = new Inbox();
    const late = new Inbox();

    const earlySubscribed = fresh.subscribe(topic, early.handler);
    await fresh.subscribe(topic, late.handler);
    await busA.publish(topic, 'first');
    await earlySubscribed;
    await busA.publish(topic, END);

    await late.receivedEnd();
    expect(late.payloads).toEqual(['first', END]);
  });
});

describe(LocalEventBus.name, () => {
  let bus: LocalEventBus;

  beforeEach(() => {
    bus = new LocalEventBus('single-instance', new SystemClock());
  });

  it('delivers a published message to each local subscriber once, with payload and origin', async () => {
    const first = new Inbox();
    const second = new Inbox();
    await bus.subscribe('donations', first.handler);
    await bus.subscribe('donations', second.handler);
    const payload = { amount: '10.00', donor: null };

    await bus.publish('donations', payload);
    await bus.publish('donations', END);

    await first.received(2);
    await second.received(2);
    expect(first.payloads).toEqual([payload, END]);
    expect(second.payloads).toEqual([payload, END]);
    expect(first.messages[0]).toEqual({
      topic: 'donations',
      payload,
      origin: 'single-instance',
      publishedAt: expect.any(Number),
    });
  });

  it('delivers after publish() has returned, never inside it', async () => {
    const inbox = new Inbox();
    await bus.subscribe('donations', inbox.handler);

    const published = bus.publish('donations', 'async');
    const receivedDuringPublish = inbox.messages.length;
    await published;
    const receivedWhenPublishResolved = inbox.messages.length;

    await inbox.received(1);
    expect(receivedDuringPublish).toBe(0);
    expect(receivedWhenPublishResolved).toBe(0);
  });

  it('hands subscribers a copy of the payload, unaffected by later changes to the original', async () => {
    const inbox = new Inbox<{ amount: string; tags: string[] }>();
    await bus.subscribe('donations', inbox.handler);
    const payload = { amount: '10.00', tags: ['first'] };

    await bus.publish('donations', payload);
    payload.amount = '99.00';
    payload.tags.push('changed');

    await inbox.received(1);
    expect(inbox.payloads[0]).toEqual({ amount: '10.00', tags: ['first'] });
    expect(inbox.payloads[0]).not.toBe(payload);
  });

  it('stops delivering to a handler once it unsubscribes', async () => {
    const leaving = new Inbox();
    const staying = new Inbox();
    const unsubscribe = await bus.subscribe('donations', leaving.handler);
    await bus.subscribe('donations', staying.handler);

    await unsubscribe();
    await bus.publish('donations', 'after');

    await staying.received(1);
    expect(leaving.messages).toEqual([]);
  });

  it('keeps topics apart and keeps delivering when a handler throws', async () => {
    const throwing = jest.fn(() => {
      throw new Error('handler bug');
    });
    const donations = new Inbox();
    const alerts = new Inbox();
    await bus.subscribe('donations', throwing);
    await bus.subscribe('donations', donations.handler);
    await bus.subscribe('alerts', alerts.handler);

    await bus.publish('donations', 'donation');
    await bus.publish('alerts', 'alert');

    await alerts.received(1);
    await donations.received(1);
    expect(donations.payloads).toEqual(['donation']);
    expect(alerts.payloads).toEqual(['alert']);
    expect(throwing).toHaveBeenCalledTimes(1);
  });
});
