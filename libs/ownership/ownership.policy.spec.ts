import {
  fairShare,
  freeKeys,
  keysToShed,
  othersShort,
  planClaims,
  reconcile,
  validateOwnershipTiming,
  type ClusterView,
} from './ownership.policy';

const state = (key: string, owner: string | null, epoch: number) => ({
  key,
  owner,
  since: null,
  status: 'running',
  lastError: null,
  epoch,
  updatedAt: null,
});

describe(fairShare.name, () => {
  it('splits the wanted keys evenly over the live instances, rounding up, plus the slack', () => {
    expect(fairShare(9, 3, 0)).toBe(3);
    expect(fairShare(9, 3, 1)).toBe(4);
    expect(fairShare(10, 3, 0)).toBe(4);
    expect(fairShare(9, 4, 1)).toBe(4);
  });

  it('gives a lone instance every key', () => {
    expect(fairShare(7, 1, 0)).toBe(7);
  });

  it('counts the instance itself when no heartbeat was read', () => {
    expect(fairShare(5, 0, 1)).toBe(6);
  });

  it('gives nothing when nothing is wanted, whatever the slack', () => {
    expect(fairShare(0, 3, 1)).toBe(0);
  });

  it('ignores a negative slack', () => {
    expect(fairShare(9, 3, -2)).toBe(3);
  });
});

describe(planClaims.name, () => {
  it('tries every free key for the even share and only keys already free last pass with the slack', () => {
    expect(planClaims(['a', 'b', 'c'], new Set(['c', 'x']))).toEqual({
      first: ['a', 'b', 'c'],
      thenWithSlack: ['c'],
    });
  });

  it('spends no slack on the first pass', () => {
    expect(planClaims(['a', 'b'], new Set()).thenWithSlack).toEqual([]);
  });
});

describe(validateOwnershipTiming.name, () => {
  it('accepts a lease of two renewals with the default margin', () => {
    expect(() => validateOwnershipTiming(10_000, 20_000, 5_000)).not.toThrow();
  });

  it('refuses a lease shorter than two renewals', () => {
    expect(() => validateOwnershipTiming(10_000, 15_000, 1_000)).toThrow(/leaseMs >= 2 \* renewMs/);
  });

  it('refuses a margin that leaves no room for a renewal', () => {
    expect(() => validateOwnershipTiming(100, 400, 300)).toThrow(/abortMarginMs/);
  });
});

describe(freeKeys.name, () => {
  it('offers wanted keys nobody records or whose recorded owner is not live, never one held here', () => {
    const view: ClusterView = {
      self: 'me',
      wanted: new Set(['unrecorded', 'released', 'dead-owner', 'live-owner', 'mine-stale', 'held']),
      live: new Set(['me', 'alive']),
      states: [
        state('released', null, 1),
        state('dead-owner', 'gone', 2),
        state('live-owner', 'alive', 3),
        state('mine-stale', 'me', 4),
      ],
      held: new Map([['held', 5]]),
    };
    expect(freeKeys(view)).toEqual(['unrecorded', 'released', 'dead-owner', 'mine-stale']);
  });

  it('puts the keys this instance ran last first', () => {
    const view: ClusterView = {
      self: 'me',
      wanted: new Set(['theirs', 'mine', 'never']),
      live: new Set(['me']),
      states: [
        { ...state('theirs', null, 1), previousOwner: 'other' },
        { ...state('mine', null, 2), previousOwner: 'me' },
      ],
      held: new Map(),
    };
    expect(freeKeys(view)).toEqual(['mine', 'theirs', 'never']);
  });
});

describe(reconcile.name, () => {
  it('rewrites held keys recorded wrongly, disowns what it no longer holds, forgets unwanted keys nobody runs', () => {
    const view: ClusterView = {
      self: 'me',
      wanted: new Set(['ok', 'wrong-epoch', 'missing', 'not-held', 'other']),
      live: new Set(['me', 'alive']),
      states: [
        state('ok', 'me', 1),
        state('wrong-epoch', 'me', 1),
        state('not-held', 'me', 7),
        state('other', 'alive', 3),
        state('unwanted-dead', 'gone', 4),
        state('unwanted-released', null, 5),
        state('unwanted-live', 'alive', 6),
      ],
      held: new Map([
        ['ok', 1],
        ['wrong-epoch', 2],
        ['missing', 3],
      ]),
    };
    const { rewrite, disown, forget } = reconcile(view);
    expect(rewrite).toEqual(['wrong-epoch', 'missing']);
    expect(disown.map(({ key }) => key)).toEqual(['not-held']);
    expect(forget.map(({ key }) => key)).toEqual(['unwanted-dead', 'unwanted-released']);
  });
});

describe(keysToShed.name, () => {
  it('keeps every key while the instance is within its fair share plus the slack', () => {
    expect(keysToShed(4, 9, 3, 1)).toBe(0);
    expect(keysToShed(3, 9, 4, 1)).toBe(0);
  });

  it('hands back down to the even share above that', () => {
    expect(keysToShed(9, 9, 3, 1)).toBe(6);
    expect(keysToShed(5, 9, 3, 1)).toBe(2);
  });

  it('keeps everything on a lone instance and hands everything back when nothing is wanted', () => {
    expect(keysToShed(7, 7, 1, 0)).toBe(0);
    expect(keysToShed(2, 0, 2, 1)).toBe(2);
  });

  it('hands the slack back, down to the even share, when another instance is short', () => {
    expect(keysToShed(4, 9, 3, 1, true)).toBe(1);
    expect(keysToShed(3, 9, 3, 1, true)).toBe(0);
  });
});

describe(othersShort.name, () => {
  const nineKeys = Array.from({ length: 9 }, (_, i) => `k${i + 1}`);
  const ownedAs = (owners: Array<string | null>) => nineKeys.map((key, i) => state(key, owners[i], i + 1));
  const viewOf = (owners: Array<string | null>, live = ['me', 'b', 'c']): ClusterView => ({
    self: 'me',
    wanted: new Set(nineKeys),
    live: new Set(live),
    states: ownedAs(owners),
    held: new Map(nineKeys.filter((_, i) => owners[i] === 'me').map((key, i) => [key, i + 1])),
  });

  it('says so when a live instance holds fewer than the even share minus the slack and nothing is free', () => {
    expect(othersShort(viewOf(['me', 'me', 'me', 'me', 'b', 'b', 'b', 'b', 'c']), 1)).toBe(true);
  });

  it('counts a live instance that holds nothing', () => {
    expect(othersShort(viewOf(['me', 'me', 'me', 'me', 'me', 'b', 'b', 'b', 'b']), 1)).toBe(true);
  });

  it('is false while every other instance is within the slack of the even share', () => {
    expect(othersShort(viewOf(['me', 'me', 'me', 'me', 'b', 'b', 'b', 'c', 'c']), 1)).toBe(false);
  });

  it('is false while a key is free for the short instance to claim', () => {
    expect(othersShort(viewOf(['me', 'me', 'me', 'me', 'b', 'b', 'b', 'b', null]), 1)).toBe(false);
  });

  it('leaves a healthy cluster alone when one more instance joins: 3, 3, 3 and a newcomer with 0 of 9', () => {
    expect(
      othersShort(viewOf(['me', 'me', 'me', 'b', 'b', 'b', 'c', 'c', 'c'], ['me', 'b', 'c', 'd']), 1),
    ).toBe(true);
    expect(keysToShed(3, 9, 4, 1, true)).toBe(0);
  });
});
