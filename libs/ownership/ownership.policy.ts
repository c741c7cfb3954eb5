import type { KeyState } from './ownership.types';

/**
 * The most keys one instance should run: an even split of the wanted keys over the live instances, plus the
 * slack it may hold above that. With no live instance known (the heartbeat not yet read), the caller counts
 * itself.
 */
export function fairShare(wanted: number, live: number, slack: number): number {
  if (wanted <= 0) {
    return 0;
  }
  return Math.ceil(wanted / Math.max(live, 1)) + Math.max(slack, 0);
}

/**
 * How many keys an instance holding `held` should hand back: none while it is within its fair share plus the
 * slack (ownership is sticky), else down to the even share, so the keys a lone first instance took at a
 * cluster's cold start (or the last instance up after a rolling restart) spread over the instances that joined.
 * When `othersShort` (see `othersShort()`), the slack goes back too: down to the even share.
 */
export function keysToShed(
  held: number,
  wanted: number,
  live: number,
  slack: number,
  othersShort = false,
): number {
  const keep = fairShare(wanted, live, othersShort ? 0 : slack);
  return held > keep ? held - fairShare(wanted, live, 0) : 0;
}

export interface ClaimPlan {
  /** Keys to try, in order, while the instance holds fewer than `evenShare`. */
  first: string[];
  /** Keys to try next, while it holds fewer than `evenShare + slack`. */
  thenWithSlack: string[];
}

/**
 * Which free keys to try to claim. The slack is only spent on keys that were already free on the previous
 * pass: when several instances start together each takes its even share first, instead of the fastest
 * taking share + slack and leaving the last one short for good (ownership is sticky).
 */
export function planClaims(free: readonly string[], freeLastPass: ReadonlySet<string>): ClaimPlan {
  return { first: [...free], thenWithSlack: free.filter((key) => freeLastPass.has(key)) };
}

/** The lease length must leave room for a renewal before the abort margin, or every worker would flap. */
export function validateOwnershipTiming(renewMs: number, leaseMs: number, abortMarginMs: number): void {
  if (!(renewMs > 0) || leaseMs < 2 * renewMs) {
    throw new Error(`ownership needs renewMs > 0 and leaseMs >= 2 * renewMs (got ${renewMs} / ${leaseMs})`);
  }
  if (!(abortMarginMs >= 0) || abortMarginMs >= leaseMs - renewMs) {
    throw new Error(
      `ownership abortMarginMs must be >= 0 and < leaseMs - renewMs (got ${abortMarginMs}, lease ${leaseMs}, renew ${renewMs})`,
    );
  }
}

/** The state of the cluster one watchdog pass decides from. */
export interface ClusterView {
  self: string;
  wanted: ReadonlySet<string>;
  /** Live instances, this one included. */
  live: ReadonlySet<string>;
  states: readonly KeyState[];
  /** Key → epoch of every key this instance holds. */
  held: ReadonlyMap<string, number>;
}

/**
 * Wanted keys this instance may try to claim: nobody records them, or their recorded owner is not live. Keys
 * this instance ran last come first, so an instance restarted with the same id takes its own keys back.
 */
export function freeKeys({ self, wanted, live, states, held }: ClusterView): string[] {
  const recorded = new Map(states.map((state) => [state.key, state]));
  const free = [...wanted].filter((key) => {
    const owner = recorded.get(key)?.owner ?? null;
    return !held.has(key) && (owner === null || owner === self || !live.has(owner));
  });
  const wasMine = (key: string) => recorded.get(key)?.previousOwner === self;
  return [...free.filter(wasMine), ...free.filter((key) => !wasMine(key))];
}

/**
 * Another live instance holds fewer than the even share minus the slack, and no wanted key is free for it to
 * claim: it cannot make up its share by itself. Instances holding their share plus the slack then give the
 * slack back; without that, two of three instances holding 4 of 9 keys (each within share plus slack, say
 * after claiming while the third was not yet live) leave the third 1 for good.
 */
export function othersShort(view: ClusterView, slack: number): boolean {
  if (freeKeys(view).length > 0) {
    return false;
  }
  const counts = new Map([...view.live].filter((id) => id !== view.self).map((id) => [id, 0]));
  for (const { key, owner } of view.states) {
    if (owner !== null && counts.has(owner) && view.wanted.has(key)) {
      counts.set(owner, counts.get(owner)! + 1);
    }
  }
  const floor = fairShare(view.wanted.size, view.live.size, 0) - Math.max(slack, 0);
  return [...counts.values()].some((count) => count < floor);
}

export interface Reconciliation {
  /** Held keys whose shared state does not name this instance with the held epoch. */
  rewrite: string[];
  /** States naming this instance for a key it no longer holds (a held key with a wrong epoch is rewritten). */
  disown: KeyState[];
  /** States of keys nobody wants that no live instance owns. */
  forget: KeyState[];
}

export function reconcile({ self, wanted, live, states, held }: ClusterView): Reconciliation {
  const recorded = new Map(states.map((state) => [state.key, state]));
  const rewrite = [...held].filter(([key, epoch]) => {
    const state = recorded.get(key);
    return state?.owner !== self || state.epoch !== epoch;
  });
  const disown = states.filter((state) => state.owner === self && !held.has(state.key));
  const forget = states.filter(
    (state) =>
      !held.has(state.key) &&
      !wanted.has(state.key) &&
      (state.owner === null || (state.owner !== self && !live.has(state.owner))),
  );
  return { rewrite: rewrite.map(([key]) => key), disown, forget };
}
