import { SESSION_COOKIE } from '../../src/sessions';
import { TwitchLoginStrategy } from '../../src/auth/twitch-login.strategy';
import type { TwitchUserInput } from '../fakes/fake-twitch';
import { DEPLOYMENTS } from '../support/deployments';
import { elementById, requireElement } from '../support/html';
import { type ListeningTestApp } from '../support/app';
import {
  addTwitchUser,
  clearOnboardingTables,
  credentialRows,
  streamerByTwitchId,
  streamerRows,
  type OnboardingFakes,
  startOnboardingInstance,
} from '../support/onboarding';
import { within } from '../support/waiting';
import { WebClient } from '../support/web-client';

/**
 * Logins whose callbacks are in flight at the same time (the token exchange is slowed down so they overlap).
 * Kept apart from the other login specs: when callbacks get crossed, the app answers one request twice and
 * never answers the other.
 */
describe(`${TwitchLoginStrategy.name} with concurrent callbacks`, () => {
  describe.each(DEPLOYMENTS)('on %s', (deployment) => {
    let fakes: OnboardingFakes;
    let instance: ListeningTestApp;
    let close: () => Promise<void>;

    beforeAll(async () => {
      ({ fakes, instance, close } = await startOnboardingInstance(deployment));
    });

    beforeEach(async () => {
      await clearOnboardingTables(instance.dataSource);
      fakes.twitch.tokenLatencyMs = 200;
    });

    afterAll(async () => {
      await close?.();
    });

    /** A browser that went through consent as `user` and holds the callback URL, not yet followed. */
    async function atCallback(user: TwitchUserInput): Promise<{ client: WebClient; callback: string }> {
      const client = new WebClient(instance.publicUrl);
      fakes.twitch.nextLoginAs(user.id);
      const start = await client.get('/auth/twitch');
      const consent = await client.get(start.location!);
      return { client, callback: consent.location! };
    }

    async function completeTogether(browsers: Array<{ client: WebClient; callback: string }>) {
      return within(
        Promise.all(browsers.map(({ client, callback }) => client.follow(callback))),
        3_000,
        'both callbacks answering',
      );
    }

    it('sends each of five browsers starting a login at once to Twitch with a state its own callback accepts', async () => {
      const users = Array.from({ length: 5 }, () => addTwitchUser(fakes.twitch));
      const clients = users.map(() => new WebClient(instance.publicUrl));
      fakes.twitch.tokenLatencyMs = 0;

      const starts = await within(
        Promise.all(clients.map((client) => client.get('/auth/twitch'))),
        3_000,
        'five logins starting',
      );
      const names: string[] = [];
      for (const [index, client] of clients.entries()) {
        fakes.twitch.nextLoginAs(users[index].id);
        const dashboard = await client.follow(starts[index].location!);
        names.push(elementById(dashboard.text, 'display-name')?.text ?? `status ${dashboard.status}`);
      }

      expect(names).toEqual(users.map((user) => user.display_name));
    });

    it('lands each of two streamers logging in at the same moment on their own dashboard', async () => {
      const alice = addTwitchUser(fakes.twitch, { display_name: 'Alice' });
      const bob = addTwitchUser(fakes.twitch, { display_name: 'Bob' });
      const browsers = [await atCallback(alice), await atCallback(bob)];

      const dashboards = await completeTogether(browsers);

      expect(dashboards.map((dashboard) => dashboard.status)).toEqual([200, 200]);
      expect(dashboards.map((dashboard) => requireElement(dashboard.text, 'display-name').text)).toEqual([
        'Alice',
        'Bob',
      ]);
      const [aliceRow, bobRow] = [
        await streamerByTwitchId(instance.dataSource, alice.id),
        await streamerByTwitchId(instance.dataSource, bob.id),
      ];
      expect(browsers[0].client.cookie(instance.publicUrl, SESSION_COOKIE)!.value).toContain(
        `.${aliceRow.id}.`,
      );
      expect(browsers[1].client.cookie(instance.publicUrl, SESSION_COOKIE)!.value).toContain(
        `.${bobRow.id}.`,
      );
    });

    it('keeps one streamer row when the same streamer logs in from two browsers at once', async () => {
      const user = addTwitchUser(fakes.twitch);
      const browsers = [await atCallback(user), await atCallback(user)];

      const dashboards = await completeTogether(browsers);

      expect(dashboards.map((dashboard) => dashboard.status)).toEqual([200, 200]);
      expect(await streamerRows(instance.dataSource)).toHaveLength(1);
      expect(await credentialRows(instance.dataSource)).toHaveLength(1);
    });
  });
});
