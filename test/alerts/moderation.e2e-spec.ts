import { DataSource } from 'typeorm';
import type { DonationAlertData } from '../../src/overlay/overlay-event';
import { ModerationService } from '../../src/alerts';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import { linesIn, startBotsRig, storeDonation, type BotInstance, type BotsRig } from '../support/bots';
import { DEPLOYMENTS, type Deployment } from '../support/deployments';
import { ALERT_STREAM, sessionCookie } from '../support/overlay';
import { openSse, type SseConnection } from '../support/sse-client';
import { waitFor } from '../support/waiting';

interface HeldList {
  held: Array<{ donationId: string; donorName: string | null; message: string | null; amount: string }>;
}

describe.each<Deployment>(DEPLOYMENTS)('Moderation (%s)', (deployment) => {
  let rig: BotsRig;
  /** Takes the dashboard requests. */
  let app: BotInstance;
  /** Serves a second page and takes the approvals: the other instance when there are two. */
  let other: BotInstance;
  const open: SseConnection[] = [];

  beforeAll(async () => {
    rig = await startBotsRig(deployment);
    app = await rig.boot();
    other = deployment === 'postgres+redis' ? await rig.boot({ DB_RUN_MIGRATIONS: 'false' }) : app;
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) {
      connection.close();
      await connection.ended;
    }
  });

  afterAll(async () => {
    await rig?.close();
  });

  function api(on: BotInstance, streamerId: string, path: string, init: RequestInit = {}) {
    return fetch(`${on.origin}${path}`, {
      ...init,
      headers: { cookie: sessionCookie(on, streamerId), 'content-type': 'application/json' },
    });
  }

  async function moderated(moderation: Record<string, unknown>) {
    const streamer = await rig.streamer(app);
    const saved = await api(app, streamer.streamerId, '/api/alerts/settings', {
      method: 'PUT',
      body: JSON.stringify({ moderation: { words: ['редиска', 'spam*'], ...moderation } }),
    });
    expect(saved.status).toBe(200);
    const { overlayToken } = (await app.app.get(StreamersRepository).findById(streamer.streamerId))!;
    return { ...streamer, overlayToken: overlayToken! };
  }

  async function alertStream(on: BotInstance, token: string): Promise<SseConnection> {
    const stream = await openSse(`${on.origin}/overlay/${token}/events`, {}, ALERT_STREAM);
    open.push(stream);
    await waitFor(() => stream.snapshot !== undefined, { what: 'the settings snapshot' });
    return stream;
  }

  async function alerts(stream: SseConnection, count: number): Promise<DonationAlertData[]> {
    const events = [];
    for (let i = 0; i < count; i += 1) {
      events.push(await stream.next());
    }
    return events.map((event) => JSON.parse(event.data) as DonationAlertData);
  }

  async function heldOf(streamerId: string): Promise<HeldList['held']> {
    const res = await api(app, streamerId, '/api/alerts/held');
    expect(res.status).toBe(200);
    return ((await res.json()) as HeldList).held;
  }

  const decide = (streamerId: string, donationId: string, decision: 'approve' | 'reject') =>
    api(other, streamerId, `/api/alerts/held/${donationId}/${decision}`, { method: 'POST' });

  it('masks banned words in the name and the message, on the overlay and in the thank-you', async () => {
    const streamer = await moderated({ action: 'mask' });
    const stream = await alertStream(other, streamer.overlayToken);
    await storeDonation(app, streamer.streamerId, 'poll', {
      donorName: 'spammer',
      message: 'Ты редиска, сука!',
    });

    const [alert] = await alerts(stream, 1);
    expect(alert).toMatchObject({ donorName: '***', message: 'Ты ***, ***!' });
    expect(alert.view).toMatchObject({ title: '*** — 100 RUB', message: 'Ты ***, ***!' });
    const [line] = await linesIn(rig.chat, streamer.channel, 1);
    expect(line.text).toBe('Спасибо, ***, за 100 RUB! Ты ***, ***!');
  });

  it('hides a message with a banned word everywhere, and shows the alert without it', async () => {
    const streamer = await moderated({ action: 'hide' });
    const stream = await alertStream(other, streamer.overlayToken);
    await storeDonation(app, streamer.streamerId, 'poll', { donorName: 'Маша', message: 'ты редиска' });

    const [alert] = await alerts(stream, 1);
    expect(alert).toMatchObject({ donorName: 'Маша', message: null });
    expect(alert.view.message).toBe('');
    expect(JSON.stringify(stream.events)).not.toContain('редиска');
    const [line] = await linesIn(rig.chat, streamer.channel, 1);
    expect(line.text).toBe('Спасибо, Маша, за 100 RUB!');
  });

  it('removes links from the shown message when asked', async () => {
    const streamer = await moderated({ removeLinks: true });
    const stream = await alertStream(app, streamer.overlayToken);
    await storeDonation(app, streamer.streamerId, 'poll', {
      message: 'подпишись на spam.example.com/x сейчас',
    });
    const [alert] = await alerts(stream, 1);
    expect(alert.message).toBe('подпишись на сейчас');
  });

  it('holds a donation until the streamer approves it, then shows it on every instance and thanks it once', async () => {
    const streamer = await moderated({ action: 'hold' });
    const here = await alertStream(app, streamer.overlayToken);
    const there = await alertStream(other, streamer.overlayToken);
    const held = await storeDonation(app, streamer.streamerId, 'poll', {
      donorName: 'Петя',
      message: 'редиска!',
    });
    await storeDonation(app, streamer.streamerId, 'poll', { donorName: 'Маркер', message: 'чисто' });

    // The clean one plays; the held one waits in «На проверке», as the donor wrote it.
    expect((await alerts(here, 1))[0].donorName).toBe('Маркер');
    expect((await alerts(there, 1))[0].donorName).toBe('Маркер');
    await linesIn(rig.chat, streamer.channel, 1);
    await expect(heldOf(streamer.streamerId)).resolves.toEqual([
      expect.objectContaining({
        donationId: held!.id,
        donorName: 'Петя',
        message: 'редиска!',
        amount: '100.00',
      }),
    ]);

    const approved = await decide(streamer.streamerId, held!.id, 'approve');
    expect(approved.status).toBe(200);
    expect((await alerts(here, 1))[0]).toMatchObject({ donationId: held!.id, message: 'редиска!' });
    expect((await alerts(there, 1))[0]).toMatchObject({ donationId: held!.id });
    const lines = await linesIn(rig.chat, streamer.channel, 2);
    expect(lines.map(({ text }) => text)).toEqual([
      'Спасибо, Маркер, за 100 RUB! чисто',
      'Спасибо, Петя, за 100 RUB! редиска!',
    ]);
    await expect(heldOf(streamer.streamerId)).resolves.toEqual([]);

    // Approving twice, or the leader releasing it again, shows and thanks nothing more.
    const again = await decide(streamer.streamerId, held!.id, 'approve');
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ message: expect.stringContaining('approved') });
    await app.app
      .get(DataSource)
      .query(
        `UPDATE donation_moderation SET released_at = NULL, decided_at = 1 WHERE donation_id = '${held!.id}'`,
      );
    await expect(app.app.get(ModerationService).releasePending()).resolves.toBe(1);
    await storeDonation(app, streamer.streamerId, 'poll', { donorName: 'Маркер2', message: null });
    expect((await alerts(here, 1))[0].donorName).toBe('Маркер2');
    expect((await linesIn(rig.chat, streamer.channel, 3)).map(({ text }) => text)[2]).toBe(
      'Спасибо, Маркер2, за 100 RUB!',
    );
    expect(rig.chat.messages.filter(({ channel }) => channel === streamer.channel)).toHaveLength(3);
  });

  it('never shows a rejected donation, and releases an approval whose instance died before it did', async () => {
    const streamer = await moderated({ action: 'hold' });
    const stream = await alertStream(app, streamer.overlayToken);
    const rejected = await storeDonation(app, streamer.streamerId, 'poll', {
      donorName: 'А',
      message: 'spam',
    });
    const orphaned = await storeDonation(app, streamer.streamerId, 'poll', {
      donorName: 'Б',
      message: 'spamming',
    });
    await waitFor(async () => (await heldOf(streamer.streamerId)).length === 2, {
      what: 'two held donations',
    });

    expect((await decide(streamer.streamerId, rejected!.id, 'reject')).status).toBe(200);
    expect((await decide(streamer.streamerId, rejected!.id, 'approve')).status).toBe(409);
    // Approved, but the approving instance died before it released it: the leader's pass does.
    await app.app
      .get(DataSource)
      .query(
        `UPDATE donation_moderation SET status = 'approved', decided_at = 1 WHERE donation_id = '${orphaned!.id}'`,
      );
    await expect(app.app.get(ModerationService).releasePending()).resolves.toBe(1);

    const [alert] = await alerts(stream, 1);
    expect(alert).toMatchObject({ donationId: orphaned!.id, donorName: 'Б' });
    const [line] = await linesIn(rig.chat, streamer.channel, 1);
    expect(line.text).toBe('Спасибо, Б, за 100 RUB! spamming');
    expect(stream.events.map((event) => event.data).join()).not.toContain(rejected!.id);
  });

  it("answers 404 for an unknown, malformed or another streamer's donation, and 401 without a session", async () => {
    const streamer = await moderated({ action: 'hold' });
    const stranger = await moderated({ action: 'hold' });
    const theirs = await storeDonation(app, stranger.streamerId, 'poll', { message: 'редиска' });
    await waitFor(async () => (await heldOf(stranger.streamerId)).length === 1, {
      what: 'the held donation',
    });

    for (const id of [theirs!.id, '00000000-0000-4000-8000-000000000000', 'not-an-id', "x'; DROP TABLE--"]) {
      const res = await decide(streamer.streamerId, encodeURIComponent(id), 'approve');
      expect(res.status).toBe(404);
    }
    expect(await heldOf(stranger.streamerId)).toHaveLength(1);
    expect((await fetch(`${app.origin}/api/alerts/held`)).status).toBe(401);
  });
});
