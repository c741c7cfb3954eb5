import type { ChatterIdentity, TouchOutcome } from './avatar-wall.store';

/** A viewer whose avatar lookup failed is looked up again on a line at least this long after the failure. */
export const AVATAR_RETRY_AFTER_MS = 60_000;

/**
 * What a chat line means for the page, once the wall recorded it: `look-up` the avatar (then announce the
 * viewer), `announce` a changed name at once, or nothing (the viewer is shown as they are).
 */
export type ChatterStep = 'look-up' | 'announce' | 'none';

export function stepAfterLine(outcome: TouchOutcome, identity: ChatterIdentity, now: number): ChatterStep {
  if (outcome.joined || !outcome.before) {
    return 'look-up';
  }
  const { avatar, identity: before } = outcome.before;
  if (avatar.status === 'failed' && now - avatar.at >= AVATAR_RETRY_AFTER_MS) {
    return 'look-up';
  }
  if (before.login !== identity.login || before.displayName !== identity.displayName) {
    return 'announce';
  }
  return 'none';
}
