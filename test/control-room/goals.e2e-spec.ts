import { DataSource } from 'typeorm';
import type { GoalView, TopDonorsView } from '../../src/control-room/goals.service';
import type { StreamerEntity } from '../../src/streamers/entities/streamer.entity';
import type { ListeningTestApp } from '../support/app';
import { DEPLOYMENTS } from '../support/deployments';
import { bootInstancePair, createStreamer, type InstancePair } from '../support/instance-pair';
import { ingestDonations, sampleDonation, sessionCookie } from '../support/overlay';

describe.each(DEPLOYMENTS)('Goals and top donors (%s)', (deployment) => {
  let pair: InstancePair;
  let app: ListeningTestApp;
  /** The other instance when there are two (see `bootInstancePair`). */
  let other: ListeningTestApp;

  beforeAll(async () => {
    pair = await bootInstancePair(deployment);
    ({ app, other } = pair);
  });

  afterAll(async () => {
    await pair?.close();
  });

  const newStreamer = (): Promise<StreamerEntity> => createStreamer(app, 'g');

  function call(on: ListeningTestApp, streamerId: string, method: string, path: string, body?: unknown) {
    return fetch(`${on.origin}${path}`, {
      method,
      headers: { cookie: sessionCookie(on, streamerId), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function json<T>(res: Response, status = 200): Promise<T> {
    expect(res.status).toBe(status);
    return (await res.json()) as T;
  }

  const goalBody = (overrides: Record<string, unknown> = {}) => ({
    title: 'На новый микрофон',
    target: 10_000,
    currency: 'RUB',
    startsAt: 1_700_000_000_000,
    ...overrides,
  });

  it('refuses a bad goal with a message per field and saves nothing', async () => {
    const streamer = await newStreamer();
    expect((await call(app, streamer.id, 'GET', '/api/goal')).status).toBe(404);
    const res = await call(app, streamer.id, 'PUT', '/api/goal', {
      title: '',
      target: -1,
      currency: 'rub',
      startsAt: 'yesterday',
      extra: true,
    });
    const body = await json<{ errors: Record<string, string[]> }>(res, 400);
    expect(Object.keys(body.errors).sort()).toEqual(['currency', 'extra', 'startsAt', 'target', 'title']);
    expect((await call(app, streamer.id, 'GET', '/api/goal')).status).toBe(404);
    expect((await fetch(`${app.origin}/api/goal`)).status).toBe(401);
  });

  it('raises what the database sums: donations on every instance in the currency since the start', async () => {
    const streamer = await newStreamer();
    const startsAt = 1_700_000_000_000;
    await json<GoalView>(await call(app, streamer.id, 'PUT', '/api/goal', goalBody({ startsAt })));
    await ingestDonations(app, streamer.id, [
      sampleDonation({ amount: '150.50', createdAt: startsAt + 1 }),
      sampleDonation({ amount: '10.00', currency: 'USD', createdAt: startsAt + 2 }),
      sampleDonation({ amount: '999.00', createdAt: startsAt - 1 }),
    ]);
    await ingestDonations(other, streamer.id, [sampleDonation({ amount: '49.50', createdAt: startsAt + 3 })]);
    const test = await call(other, streamer.id, 'POST', '/api/overlay/test-alert', { amount: 500 });
    expect(test.status).toBe(201);

    const [{ sum }] = await app.app
      .get(DataSource)
      .query<Array<{ sum: string | number }>>(
        `SELECT SUM(amount) AS sum FROM donations WHERE streamer_id = '${streamer.id}' AND currency = 'RUB' AND provider <> 'test' AND created_at >= ${startsAt}`,
      );
    for (const on of [app, other]) {
      const goal = await json<GoalView>(await call(on, streamer.id, 'GET', '/api/goal'));
      expect(goal).toMatchObject({
        title: 'На новый микрофон',
        target: '10000.00',
        currency: 'RUB',
        raised: '200.00',
      });
      expect(goal.raised).toBe(Number(sum).toFixed(2));
    }
  });

  it('keeps past goals and one active goal, even when new ones start at the same moment', async () => {
    const streamer = await newStreamer();
    const first = await json<GoalView>(await call(app, streamer.id, 'PUT', '/api/goal', goalBody()));
    const changed = await json<GoalView>(
      await call(app, streamer.id, 'PUT', '/api/goal', goalBody({ title: 'Микрофон', target: 12_000 })),
    );
    expect(changed.id).toBe(first.id);
    const statuses = await Promise.all(
      [1, 2, 3, 4, 5].map(async (n) => {
        const on = n % 2 === 0 ? other : app;
        const res = await call(
          on,
          streamer.id,
          'PUT',
          '/api/goal',
          goalBody({ title: `Цель ${n}`, startNew: true }),
        );
        await res.body?.cancel();
        return res.status;
      }),
    );
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    expect(statuses).toContain(200);

    const { goals } = await json<{ goals: GoalView[] }>(await call(app, streamer.id, 'GET', '/api/goals'));
    expect(goals.filter((goal) => goal.active)).toHaveLength(1);
    expect(goals.find((goal) => goal.id === first.id)).toMatchObject({ active: false, title: 'Микрофон' });
    expect(goals).toHaveLength(1 + statuses.filter((status) => status === 200).length);
    const active = await json<GoalView>(await call(app, streamer.id, 'GET', '/api/goal'));
    expect(active.id).toBe(goals.find((goal) => goal.active)!.id);
  });

  it('lists the top donors by total in one currency, anonymous ones together, per period', async () => {
    const streamer = await newStreamer();
    const now = Date.now();
    await ingestDonations(app, streamer.id, [
      sampleDonation({ donorName: 'Маша', amount: '100.00', createdAt: now - 1000 }),
      sampleDonation({ donorName: 'Маша', amount: '50.00', createdAt: now - 900 }),
      sampleDonation({ donorName: 'Петя', amount: '120.00', createdAt: now - 800 }),
      sampleDonation({ donorName: null, amount: '30.00', createdAt: now - 700 }),
      sampleDonation({ donorName: null, amount: '40.00', createdAt: now - 600 }),
      sampleDonation({ donorName: 'Богач', amount: '5000.00', currency: 'USD', createdAt: now - 500 }),
      sampleDonation({ donorName: 'Давно', amount: '9000.00', createdAt: 1_000 }),
    ]);

    const week = await json<TopDonorsView>(
      await call(app, streamer.id, 'GET', '/api/donations/top?period=week'),
    );
    expect(week).toMatchObject({ period: 'week', currency: 'RUB' });
    expect(week.donors).toEqual([
      { donorName: 'Маша', displayName: 'Маша', total: '150.00', count: 2 },
      { donorName: 'Петя', displayName: 'Петя', total: '120.00', count: 1 },
      { donorName: null, displayName: 'Аноним', total: '70.00', count: 2 },
    ]);
    const all = await json<TopDonorsView>(
      await call(app, streamer.id, 'GET', '/api/donations/top?period=all'),
    );
    expect(all.donors[0]).toMatchObject({ donorName: 'Давно', total: '9000.00' });
    const usd = await json<TopDonorsView>(
      await call(app, streamer.id, 'GET', '/api/donations/top?period=month&currency=usd'),
    );
    expect(usd.donors).toEqual([{ donorName: 'Богач', displayName: 'Богач', total: '5000.00', count: 1 }]);

    // «Начать эфир»: the stream's top counts from the mark on.
    await json<{ startedAt: number }>(await call(app, streamer.id, 'POST', '/api/stream/start'));
    await ingestDonations(app, streamer.id, [
      sampleDonation({ donorName: 'Новый', amount: '10.00', createdAt: Date.now() + 1 }),
    ]);
    const stream = await json<TopDonorsView>(
      await call(app, streamer.id, 'GET', '/api/donations/top?period=stream'),
    );
    expect(stream.donors).toEqual([{ donorName: 'Новый', displayName: 'Новый', total: '10.00', count: 1 }]);

    for (const query of ['period=year', 'tz=Mars/Olympus', 'currency=rubles']) {
      expect((await call(app, streamer.id, 'GET', `/api/donations/top?${query}`)).status).toBe(400);
    }
  });
});
