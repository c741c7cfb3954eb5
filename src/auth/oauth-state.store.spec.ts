import { ManualClock } from '../../test/support/manual-clock';
import { MAX_PENDING_STATES, MemoryOAuthStateStore, OAUTH_STATE_TTL_MS } from './oauth-state.store';

describe(MemoryOAuthStateStore.name, () => {
  let clock: ManualClock;
  let sut: MemoryOAuthStateStore;

  beforeEach(() => {
    clock = new ManualClock(1_000_000);
    sut = new MemoryOAuthStateStore(clock);
  });

  it('issues long random URL-safe states and gives the payload back once', async () => {
    const state = await sut.issue({ flow: 'donationalerts-connect', streamerId: 's-1' });

    expect(state).toMatch(/^[A-Za-z0-9_-]{32}$/);
    await expect(sut.consume(state)).resolves.toEqual({ flow: 'donationalerts-connect', streamerId: 's-1' });
    await expect(sut.consume(state)).resolves.toBeNull();
  });

  it('forgets a state when its ten minutes are over', async () => {
    const state = await sut.issue({ flow: 'twitch-login' });
    clock.advance(OAUTH_STATE_TTL_MS);

    await expect(sut.consume(state)).resolves.toBeNull();
  });

  it('answers null for unknown and missing states', async () => {
    await expect(sut.consume('forged-state-value-123456')).resolves.toBeNull();
    await expect(sut.consume(undefined)).resolves.toBeNull();
  });

  it('drops the oldest pending state when too many logins are pending', async () => {
    const oldest = await sut.issue({ flow: 'twitch-login' });
    const second = await sut.issue({ flow: 'twitch-login' });
    for (let i = 2; i < MAX_PENDING_STATES; i += 1) {
      await sut.issue({ flow: 'twitch-login' });
    }

    await sut.issue({ flow: 'twitch-login' });

    await expect(sut.consume(oldest)).resolves.toBeNull();
    await expect(sut.consume(second)).resolves.toEqual({ flow: 'twitch-login' });
  });
});
