import { EventEmitter2 } from '@nestjs/event-emitter';
import { ChatEvents, type ViewerMessage } from '../../src/common';
import { AvatarLookup } from '../../src/overlay/avatar-lookup';
import { AvatarWall } from '../../src/overlay/avatar-wall.service';
import { AVATAR_RETRY_AFTER_MS } from '../../src/overlay/avatar-wall.policy';
import type { ChatterData, ChatterLeftData } from '../../src/overlay/overlay-event';
import { StreamersRepository } from '../../src/streamers/streamers.repository';
import type { TwitchUserInput } from '../fakes/fake-twitch';
import { bootApp, INSTANCE_TEST_ENV, type ListeningTestApp } from '../support/app';
import { DEPLOYMENTS, createBackingServices, type BackingServices } from '../support/deployments';
import { ManualClock } from '../support/manual-clock';
import { metricValue } from '../support/metrics';
import { logInNewStreamer, startOnboardingFakes, type OnboardingFakes } from '../support/onboarding';
import { ALERT_STREAM, ingestDonations, sampleDonation } from '../support/overlay';
import { openSse, type SseConnection, type SseEvent } from '../support/sse-client';

const AVATARS_MAX = 3;
const IDLE_MS = 300_000;

interface WallData {
  max: number;
  viewers: ChatterData[];
}

function data<T>(event: SseEvent): T {
  return JSON.parse(event.data) as T;
}

/**
 * The avatar wall end to end: viewer lines are emitted as the bot would (ChatEvents.viewerMessage on the instance
 * that reads the chat, here `chat`), avatars come from the fake Helix with the streamer's own token, and the
 * overlay stream is read from `viewer` (the other instance when there are two, sharing PostgreSQL and Redis).
 */
describe.each(DEPLOYMENTS)('avatar wall (%s)', (deployment) => {
  let services: BackingServices;
  let fakes: OnboardingFakes;
  let chat: ListeningTestApp;
  let viewer: ListeningTestApp;
  let second: ListeningTestApp | undefined;
  const clock = new ManualClock();
  const open: SseConnection[] = [];
  let viewerSeq = 0;

  /** A streamer who logged in with Twitch (so there is a token for Helix), and their overlay token. */
  async function newStreamer(): Promise<{ streamerId: string; token: string }> {
    const { streamerId } = await logInNewStreamer(chat, fakes.twitch);
    const streamer = await chat.app.get(StreamersRepository).findById(streamerId);
    return { streamerId, token: streamer!.overlayToken! };
  }

  function newViewer(overrides: Partial<TwitchUserInput> = {}): TwitchUserInput {
    viewerSeq += 1;
    const id = String(9_000_000 + viewerSeq);
    const user: TwitchUserInput = {
      id,
      login: `viewer_${viewerSeq}`,
      display_name: `Viewer_${viewerSeq}`,
      profile_image_url: `https://static-cdn.jtvnw.net/jtv_user_pictures/viewer-${id}-300x300.png`,
      ...overrides,
    };
    fakes.twitch.addUser(user);
    return user;
  }

  /** One chat line of `user`, announced as the bot announces it. */
  function say(streamerId: string, user: TwitchUserInput, text = 'hi'): void {
    const message: ViewerMessage = {
      streamerId,
      userId: user.id,
      login: user.login,
      displayName: user.display_name,
      text,
      sentAt: clock.now(),
    };
    chat.app.get(EventEmitter2).emit(ChatEvents.viewerMessage, message);
  }

  function chatterOf(user: TwitchUserInput, lastSeenAt = clock.now()): ChatterData {
    return {
      userId: user.id,
      login: user.login,
      displayName: user.display_name,
      avatarUrl: user.profile_image_url!,
      lastSeenAt,
    };
  }

  async function connect(on: ListeningTestApp, path: string, headers: Record<string, string> = {}) {
    const connection = await openSse(
      `${on.origin}${path}`,
      headers,
      path.includes('wall=1') ? {} : ALERT_STREAM,
    );
    open.push(connection);
    return connection;
  }

  /** A stream of the avatars page: it starts with the wall, returned with the stream. */
  async function wallStream(token: string, on = viewer, headers: Record<string, string> = {}) {
    const stream = await connect(on, `/overlay/${token}/events?wall=1`, headers);
    expect(stream.status).toBe(200);
    const first = await stream.next();
    expect(first.event).toBe('wall');
    expect(first.id).toBeUndefined();
    return { stream, wall: data<WallData>(first) };
  }

  function helixUserRequests(): number {
    return fakes.twitch.calls.users;
  }

  beforeAll(async () => {
    services = await createBackingServices(deployment);
    fakes = await startOnboardingFakes();
    const env = {
      ...INSTANCE_TEST_ENV,
      ...services.env,
      ...fakes.env,
      AVATARS_MAX: String(AVATARS_MAX),
      AVATARS_IDLE_MS: String(IDLE_MS),
    };
    chat = await bootApp(env, { listen: true, clock });
    if (deployment === 'postgres+redis') {
      second = await bootApp({ ...env, DB_RUN_MIGRATIONS: 'false' }, { listen: true, clock });
    }
    viewer = second ?? chat;
  });

  afterEach(async () => {
    for (const connection of open.splice(0)) {
      connection.close();
      await connection.ended;
    }
  });

  afterAll(async () => {
    await second?.close();
    await chat?.close();
    await fakes?.close();
    await services?.close();
  });

  it('shows a viewer who writes in chat with their Helix avatar, once, and a new stream starts with the wall', async () => {
    const { streamerId, token } = await newStreamer();
    const { stream, wall } = await wallStream(token);
    expect(wall).toEqual({ max: AVATARS_MAX, viewers: [] });
    const [alice, bob] = [newViewer(), newViewer()];

    say(streamerId, alice);
    const joined = await stream.next();
    expect(joined.event).toBe('chatter');
    expect(joined.id).toEqual(expect.any(String));
    expect(data(joined)).toEqual(chatterOf(alice));

    // Her next line changes nothing on the page; Bob's shows that it was handled before his.
    clock.advance(1000);
    say(streamerId, alice, 'again');
    say(streamerId, bob);
    expect(data(await stream.next())).toEqual(chatterOf(bob));

    const { wall: current } = await wallStream(token);
    expect(current).toEqual({ max: AVATARS_MAX, viewers: [chatterOf(alice), chatterOf(bob)] });
    const plain = await connect(viewer, `/overlay/${token}/events`);
    say(streamerId, newViewer());
    expect((await plain.next()).event).toBe('chatter');
  });

  it('gives a reconnecting page the wall first, then the alerts it missed (not the chatter), then live events', async () => {
    const { streamerId, token } = await newStreamer();
    const observer = await connect(chat, `/overlay/${token}/events`);
    const { stream: first } = await wallStream(token);
    const [alice, bob, carol] = [newViewer(), newViewer(), newViewer()];
    say(streamerId, alice);
    const seen = await first.next();
    await observer.next();
    first.close();
    await first.ended;

    const [missed] = await ingestDonations(chat, streamerId, [sampleDonation()]);
    expect((await observer.next()).event).toBe('donation');
    say(streamerId, bob);
    expect((await observer.next()).event).toBe('chatter');

    const { stream: again, wall } = await wallStream(token, viewer, { 'Last-Event-ID': seen.id! });
    expect(wall.viewers).toEqual([chatterOf(alice), chatterOf(bob)]);
    const replayed = await again.next();
    expect(replayed.event).toBe('donation');
    expect(data<{ donationId: string }>(replayed).donationId).toBe(missed.id);
    say(streamerId, carol);
    expect(data(await again.next())).toEqual(chatterOf(carol));
    expect(again.events.map((event) => event.event)).toEqual(['wall', 'donation', 'chatter']);
  });

  it(`keeps the ${AVATARS_MAX} most recently active viewers: a newcomer pushes off the least recent one`, async () => {
    const { streamerId, token } = await newStreamer();
    const { stream } = await wallStream(token);
    const [a, b, c, d] = [newViewer(), newViewer(), newViewer(), newViewer()];
    for (const user of [a, b, c]) {
      say(streamerId, user);
      await stream.next();
      clock.advance(1000);
    }
    say(streamerId, a, 'still here');
    clock.advance(1000);

    say(streamerId, d);
    const [left, joined] = [await stream.next(), await stream.next()];

    expect(left.event).toBe('chatter-left');
    expect(data<ChatterLeftData>(left)).toEqual({ userId: b.id, reason: 'replaced' });
    expect(data(joined)).toEqual(chatterOf(d));
    const { wall } = await wallStream(token);
    expect(wall.viewers.map((entry) => entry.userId)).toEqual([c.id, a.id, d.id]);
  });

  it('lets viewers leave after AVATARS_IDLE_MS of silence, by the sweep or on the next line', async () => {
    const { streamerId, token } = await newStreamer();
    const { stream } = await wallStream(token);
    const [a, b, c] = [newViewer(), newViewer(), newViewer()];
    say(streamerId, a);
    await stream.next();
    clock.advance(IDLE_MS / 2);
    say(streamerId, b);
    await stream.next();

    clock.advance(IDLE_MS / 2);
    await chat.app.get(AvatarWall).sweep();
    const idle = await stream.next();
    expect(idle.event).toBe('chatter-left');
    expect(data(idle)).toEqual({ userId: a.id, reason: 'idle' });
    expect((await wallStream(token)).wall.viewers.map((entry) => entry.userId)).toEqual([b.id]);

    clock.advance(IDLE_MS / 2);
    say(streamerId, c);
    const [left, joined] = [await stream.next(), await stream.next()];
    expect(data(left)).toEqual({ userId: b.id, reason: 'idle' });
    expect(data(joined)).toEqual(chatterOf(c));
  });

  it('asks Helix for up to 100 viewers a request when lookups arrive together, then answers from the cache', async () => {
    const { streamerId } = await newStreamer();
    const viewers = Array.from({ length: 250 }, () => newViewer());
    const before = helixUserRequests();

    const answers = await Promise.all(
      viewers.map((user) => chat.app.get(AvatarLookup).avatarOf(streamerId, user.id)),
    );

    expect(helixUserRequests() - before).toBe(3);
    expect(answers).toEqual(viewers.map((user) => ({ status: 'resolved', url: user.profile_image_url })));
    const cached = await Promise.all(
      viewers.slice(0, 120).map((user) => viewer.app.get(AvatarLookup).avatarOf(streamerId, user.id)),
    );
    expect(cached).toEqual(answers.slice(0, 120));
    expect(helixUserRequests() - before).toBe(3);
    const gone = await chat.app.get(AvatarLookup).avatarOf(streamerId, 'no-such-user');
    expect(gone).toEqual({ status: 'resolved', url: null });
  });

  it('shows a viewer who comes back after leaving with the cached avatar, without asking Helix', async () => {
    const { streamerId, token } = await newStreamer();
    const { stream } = await wallStream(token);
    const alice = newViewer();
    say(streamerId, alice);
    await stream.next();
    clock.advance(IDLE_MS);
    await chat.app.get(AvatarWall).sweep();
    expect((await stream.next()).event).toBe('chatter-left');
    const before = helixUserRequests();

    say(streamerId, alice);

    expect(data(await stream.next())).toEqual(chatterOf(alice));
    expect(helixUserRequests()).toBe(before);
  });

  it('shows the viewer without an avatar when Helix fails, and finds it on a line a minute later', async () => {
    const { streamerId, token } = await newStreamer();
    const { stream } = await wallStream(token);
    const [alice, bob] = [newViewer(), newViewer()];
    fakes.twitch.failNext('GET', '/helix/users', { status: 503, json: { message: 'unavailable' } });

    say(streamerId, alice);
    expect(data(await stream.next())).toEqual({ ...chatterOf(alice), avatarUrl: null });
    clock.advance(AVATAR_RETRY_AFTER_MS - 1);
    say(streamerId, alice, 'too soon to ask again');
    say(streamerId, bob);
    expect(data(await stream.next())).toEqual(chatterOf(bob));

    clock.advance(1);
    say(streamerId, alice, 'now');
    expect(data(await stream.next())).toEqual(chatterOf(alice));
    expect((await wallStream(token)).wall.viewers).toEqual([
      chatterOf(bob, clock.now() - 1),
      chatterOf(alice),
    ]);
  });

  it("refreshes the streamer's Twitch token when Helix answers 401, and shows the avatar", async () => {
    const { streamerId, token } = await newStreamer();
    const streamer = await chat.app.get(StreamersRepository).findById(streamerId);
    const { stream } = await wallStream(token);
    fakes.twitch.expireAccessToken(fakes.twitch.tokensOf(streamer!.twitchId)!.accessToken);
    const refreshes = fakes.twitch.calls.refreshToken;

    const alice = newViewer();
    say(streamerId, alice);

    expect(data(await stream.next())).toEqual(chatterOf(alice));
    expect(fakes.twitch.calls.refreshToken).toBe(refreshes + 1);
  });

  it('serves the avatars page of a known token only, with the security headers, linking the wall stream', async () => {
    const { token } = await newStreamer();

    const page = await fetch(`${viewer.origin}/overlay/${token}/avatars`);
    const unknown = await fetch(`${viewer.origin}/overlay/no-such-token/avatars`);

    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain(`data-events-url="/overlay/${token}/events?wall=1"`);
    expect(html).toContain('src="/assets/avatars.js"');
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/application\/json/);
    await unknown.body?.cancel();
  });

  it('counts chat_avatars_active on the instance that reads the chat', async () => {
    const { streamerId, token } = await newStreamer();
    const { stream } = await wallStream(token);
    const scrape = async (on: ListeningTestApp) =>
      metricValue(await (await fetch(`${on.origin}/metrics`)).text(), 'chat_avatars_active');
    const before = await scrape(chat);

    for (const user of [newViewer(), newViewer()]) {
      say(streamerId, user);
      await stream.next();
    }

    expect((await scrape(chat)) - before).toBe(2);
    if (second) {
      await expect(scrape(second)).resolves.toBe(0);
    }
  });
});
