import { AVATAR_RETRY_AFTER_MS, stepAfterLine } from './avatar-wall.policy';
import type { AvatarState, ChatterIdentity, TouchOutcome } from './avatar-wall.store';

const NOW = 1_700_000_000_000;
const viewer: ChatterIdentity = { userId: '42', login: 'viewer', displayName: 'Viewer' };

function stayed(avatar: AvatarState, before: ChatterIdentity = viewer): TouchOutcome {
  return { joined: false, before: { identity: before, avatar }, left: [] };
}

describe(stepAfterLine.name, () => {
  it('looks the avatar up when the viewer joins the wall', () => {
    expect(stepAfterLine({ joined: true, left: [] }, viewer, NOW)).toBe('look-up');
  });

  it('does nothing for a viewer already shown with a resolved or pending avatar', () => {
    expect(stepAfterLine(stayed({ status: 'resolved', url: 'https://a', at: NOW - 1 }), viewer, NOW)).toBe(
      'none',
    );
    expect(stepAfterLine(stayed({ status: 'resolved', url: null, at: NOW - 1 }), viewer, NOW)).toBe('none');
    expect(
      stepAfterLine(
        stayed({ status: 'pending', url: null, at: NOW - 10 * AVATAR_RETRY_AFTER_MS }),
        viewer,
        NOW,
      ),
    ).toBe('none');
  });

  it('looks a failed avatar up again only once the retry delay has passed since the failure', () => {
    const failedAt = NOW - AVATAR_RETRY_AFTER_MS;
    expect(stepAfterLine(stayed({ status: 'failed', url: null, at: failedAt + 1 }), viewer, NOW)).toBe(
      'none',
    );
    expect(stepAfterLine(stayed({ status: 'failed', url: null, at: failedAt }), viewer, NOW)).toBe('look-up');
  });

  it('announces a viewer whose display name or login changed', () => {
    const resolved: AvatarState = { status: 'resolved', url: 'https://a', at: NOW };
    expect(stepAfterLine(stayed(resolved, { ...viewer, displayName: 'viewer' }), viewer, NOW)).toBe(
      'announce',
    );
    expect(stepAfterLine(stayed(resolved, { ...viewer, login: 'old_login' }), viewer, NOW)).toBe('announce');
  });
});
