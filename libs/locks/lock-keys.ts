/** Every lock name in the service comes from here, so two features can never collide on a key by accident. */
export const LockKeys = {
  leader: (): string => 'leader',
  streamerPoll: (streamerId: string): string => `poll:${streamerId}`,
  /** A key of a `KeyedOwnership` kind ('realtime', 'bots'): exactly one live instance runs its worker. */
  owned: (kind: string, key: string): string => `owned:${kind}:${key}`,
  tokenRefresh: (provider: string, streamerId: string): string => `token-refresh:${provider}:${streamerId}`,
} as const;
