import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ENCRYPTION_KEY } from '../support/app';
import { httpGet } from '../support/http';
import { ADMIN_API_KEY } from '../support/admin';
import { createBackingServices, type BackingServices } from '../support/deployments';
import {
  addTwitchUser,
  callbackHop,
  logInWithTwitch,
  startOnboardingFakes,
  type OnboardingFakes,
} from '../support/onboarding';
import { builtScript, freePort, NodeProcess } from '../support/processes';
import { WebClient } from '../support/web-client';

/**
 * Tokens never reach the logs: the built app runs as two processes (PostgreSQL + Redis) at the most verbose
 * log level with SQL logging on, through login, DonationAlerts connect, a failed login, the admin list and a
 * token refresh after a leader takeover; then every secret the fakes handed out is looked for in the output.
 */
describe('logs of the running service', () => {
  let services: BackingServices;
  let fakes: OnboardingFakes;
  let workDir: string;
  const processes: NodeProcess[] = [];

  beforeAll(async () => {
    services = await createBackingServices('postgres+redis');
    fakes = await startOnboardingFakes();
    workDir = mkdtempSync(join(tmpdir(), 'da-onboarding-logs-'));
  });

  afterAll(async () => {
    await Promise.all(processes.map((child) => child.kill()));
    await fakes?.close();
    await services?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  async function startInstance(publicUrl: string, port: number): Promise<NodeProcess> {
    const child = new NodeProcess(
      [builtScript('src/main.js')],
      {
        ...services.env,
        ...fakes.env,
        NODE_ENV: 'production',
        APP_ENCRYPTION_KEY: TEST_ENCRYPTION_KEY,
        ADMIN_API_KEY,
        LOG_FORMAT: 'json',
        LOG_LEVEL: 'trace',
        DB_LOG_QUERIES: 'true',
        HOST: '127.0.0.1',
        PORT: String(port),
        PUBLIC_URL: publicUrl,
        LEADER_HEARTBEAT_MS: '100',
        LEADER_LEASE_MS: '1000',
      },
      workDir,
    );
    processes.push(child);
    await child.waitForHttp(`http://127.0.0.1:${port}/health/live`, (response) => response.status === 200);
    return child;
  }

  it('never contain a token, code, secret, session or overlay token, while telling what happened', async () => {
    const [leaderPort, standbyPort] = [await freePort(), await freePort()];
    const publicUrl = `http://127.0.0.1:${leaderPort}`;
    const leader = await startInstance(publicUrl, leaderPort);
    await leader.waitForOutput(/Leader lock acquired/);
    const standby = await startInstance(publicUrl, standbyPort);
    await standby.waitForOutput(/stands by/);
    const user = addTwitchUser(fakes.twitch);
    const daUser = fakes.da.addUser({ id: 6_100_001, code: 'logs_da', name: 'Logs DA' });
    const client = new WebClient(publicUrl);
    const responses: string[] = [];

    const login = await logInWithTwitch(client, fakes.twitch, user);
    fakes.da.nextLoginAs(daUser.id);
    const connected = await client.follow('/auth/donationalerts');
    fakes.twitch.failNext('GET', '/helix/users', { status: 500, json: { message: 'Internal' } });
    const failedLogin = await logInWithTwitch(new WebClient(publicUrl), fakes.twitch, user);
    const admin = await httpGet(`${publicUrl}/api/admin/streamers`, {
      authorization: `Bearer ${ADMIN_API_KEY}`,
    });
    responses.push(login.text, connected.text, failedLogin.text, admin.body, (await client.get('/')).text);
    const loginTokens = fakes.twitch.tokensOf(user.id)!;
    fakes.twitch.expireAllAccessTokens();
    leader.signal('SIGTERM');
    await leader.exitWithin(15_000);
    await standby.waitForOutput(/Refreshed the twitch token/);
    standby.signal('SIGTERM');
    await standby.exitWithin(15_000);

    const output = leader.output + standby.output;
    expect(output).toContain('logged in');
    expect(output).toContain(`connected DonationAlerts account ${daUser.id}`);
    expect(output).toContain('Twitch login failed');
    expect(output).toContain('Query: ');
    expect(output).toContain('/auth/twitch/callback?code=%5BREDACTED%5D');
    const secrets = [
      ...fakes.twitch.issuedAccessTokens(),
      loginTokens.refreshToken,
      fakes.twitch.tokensOf(user.id)!.refreshToken,
      ...fakes.da.issuedAccessTokens(),
      fakes.da.tokensOf(daUser.id)!.refreshToken,
      new URL(callbackHop(login)).searchParams.get('code')!,
      new URL(callbackHop(login)).searchParams.get('state')!,
      new URL(connected.hops[2]).searchParams.get('code')!,
      client.cookie(publicUrl, 'da_session')!.value,
      /\/overlay\/([A-Za-z0-9_-]+)/.exec(connected.text)![1],
      fakes.twitch.clientSecret,
      fakes.da.clientSecret,
      TEST_ENCRYPTION_KEY,
      ADMIN_API_KEY,
    ];
    expect(fakes.twitch.issuedAccessTokens().length).toBeGreaterThanOrEqual(3);
    for (const secret of secrets) {
      expect(output).not.toContain(secret);
    }
    for (const secret of [...fakes.twitch.issuedAccessTokens(), ...fakes.da.issuedAccessTokens()]) {
      for (const response of responses) {
        expect(response).not.toContain(secret);
      }
    }
  });
});
