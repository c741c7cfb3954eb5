import type { Redis } from 'ioredis';
import { RedisScript, type RedisConnection } from '../../libs/redis';
import type { ChatterLeftReason } from './overlay-event';

/** Who a viewer is, as their latest chat line names them. */
export interface ChatterIdentity {
  userId: string;
  login: string;
  displayName: string;
}

/**
 * Where a viewer's avatar lookup stands: `pending` from joining until the lookup answers; `resolved` with the
 * URL, or null when Twitch has no such user; `failed` when Helix could not be asked or answered an error (tried
 * again on a later line). `at`: when it got this status, epoch ms.
 */
export interface AvatarState {
  status: 'pending' | 'resolved' | 'failed';
  url: string | null;
  at: number;
}

export interface WallEntry extends ChatterIdentity {
  avatar: AvatarState;
  /** Their latest chat line, epoch ms. */
  lastSeenAt: number;
}

export interface WallLimits {
  max: number;
  idleMs: number;
}

export interface WallDeparture {
  userId: string;
  reason: ChatterLeftReason;
}

export interface TouchOutcome {
  /** They were not on the wall and now are, with a pending avatar. */
  joined: boolean;
  /** What the wall held for them before this line; undefined when they joined. */
  before?: { identity: ChatterIdentity; avatar: AvatarState };
  /** Who left the wall with this line: silent past the idle time, or pushed off a full wall. */
  left: WallDeparture[];
}

/**
 * Each streamer's avatar wall: the viewers who wrote in chat within the idle time, at most `max` of them (the
 * most recent). Every change is atomic and reports who joined and who left, so exactly one caller, on any
 * instance, learns of each departure.
 */
export abstract class AvatarWallStore {
  /** Records a chat line of `identity` at `now`: they join (or stay), and the silent or surplus viewers leave. */
  abstract touch(
    streamerId: string,
    identity: ChatterIdentity,
    now: number,
    limits: WallLimits,
  ): Promise<TouchOutcome>;
  /** Stores a lookup's result for a viewer still on the wall and returns their entry; null once they left. */
  abstract setAvatar(streamerId: string, userId: string, avatar: AvatarState): Promise<WallEntry | null>;
  /** The viewers on the wall at `now`, least recently seen first. */
  abstract wall(streamerId: string, now: number, idleMs: number): Promise<WallEntry[]>;
  /** How many viewers are on the wall at `now`. */
  abstract count(streamerId: string, now: number, idleMs: number): Promise<number>;
  /** Takes every viewer silent past the idle time off every wall; returns who left. */
  abstract sweep(now: number, idleMs: number): Promise<Array<{ streamerId: string; userId: string }>>;
}

interface MemoryEntry {
  identity: ChatterIdentity;
  avatar: AvatarState;
  lastSeenAt: number;
}

function entryOf({ identity, avatar, lastSeenAt }: MemoryEntry): WallEntry {
  return { ...identity, avatar: { ...avatar }, lastSeenAt };
}

export class MemoryAvatarWallStore extends AvatarWallStore {
  private readonly walls = new Map<string, Map<string, MemoryEntry>>();

  touch(
    streamerId: string,
    identity: ChatterIdentity,
    now: number,
    limits: WallLimits,
  ): Promise<TouchOutcome> {
    const wall = this.walls.get(streamerId) ?? new Map<string, MemoryEntry>();
    this.walls.set(streamerId, wall);
    const left: WallDeparture[] = this.expire(wall, now, limits.idleMs).map((userId) => ({
      userId,
      reason: 'idle',
    }));
    const previous = wall.get(identity.userId);
    wall.set(identity.userId, {
      identity: { ...identity },
      avatar: previous?.avatar ?? { status: 'pending', url: null, at: now },
      lastSeenAt: now,
    });
    const surplus = wall.size - limits.max;
    if (surplus > 0) {
      for (const [userId] of [...wall]
        .sort(([, a], [, b]) => a.lastSeenAt - b.lastSeenAt)
        .slice(0, surplus)) {
        wall.delete(userId);
        left.push({ userId, reason: 'replaced' });
      }
    }
    return Promise.resolve({
      joined: previous === undefined,
      before: previous && { identity: { ...previous.identity }, avatar: { ...previous.avatar } },
      left,
    });
  }

  setAvatar(streamerId: string, userId: string, avatar: AvatarState): Promise<WallEntry | null> {
    const entry = this.walls.get(streamerId)?.get(userId);
    if (!entry) {
      return Promise.resolve(null);
    }
    entry.avatar = { ...avatar };
    return Promise.resolve(entryOf(entry));
  }

  wall(streamerId: string, now: number, idleMs: number): Promise<WallEntry[]> {
    return Promise.resolve(
      [...(this.walls.get(streamerId)?.values() ?? [])]
        .filter((entry) => entry.lastSeenAt > now - idleMs)
        .sort((a, b) => a.lastSeenAt - b.lastSeenAt)
        .map(entryOf),
    );
  }

  async count(streamerId: string, now: number, idleMs: number): Promise<number> {
    return (await this.wall(streamerId, now, idleMs)).length;
  }

  sweep(now: number, idleMs: number): Promise<Array<{ streamerId: string; userId: string }>> {
    const left: Array<{ streamerId: string; userId: string }> = [];
    for (const [streamerId, wall] of this.walls) {
      left.push(...this.expire(wall, now, idleMs).map((userId) => ({ streamerId, userId })));
      if (wall.size === 0) {
        this.walls.delete(streamerId);
      }
    }
    return Promise.resolve(left);
  }

  private expire(wall: Map<string, MemoryEntry>, now: number, idleMs: number): string[] {
    const expired = [...wall]
      .filter(([, entry]) => entry.lastSeenAt <= now - idleMs)
      .map(([userId]) => userId);
    expired.forEach((userId) => wall.delete(userId));
    return expired;
  }
}

/**
 * Removes the viewers silent since `now - idle` from a wall (KEYS[1], a sorted set by last line; KEYS[2] their
 * details) and keeps the wall's entry in the due set (KEYS[3]: when its least recent viewer goes idle).
 */
const EXPIRE_LUA = `
local function expire(wall, viewers, now, idle)
  local expired = redis.call('ZRANGEBYSCORE', wall, '-inf', now - idle)
  for _, id in ipairs(expired) do
    redis.call('ZREM', wall, id)
    redis.call('HDEL', viewers, id, id .. ':avatar')
  end
  return expired
end
local function reschedule(wall, due, streamer, idle)
  local oldest = redis.call('ZRANGE', wall, 0, 0, 'WITHSCORES')
  if #oldest == 0 then
    redis.call('ZREM', due, streamer)
  else
    redis.call('ZADD', due, tonumber(oldest[2]) + idle, streamer)
  end
end
`;

/**
 * ARGV: streamer, user id, identity JSON, pending avatar JSON, now, idle ms, max, key TTL ms. Returns
 * [joined (1/0), identity before, avatar before, expired ids, replaced ids].
 */
const TOUCH = new RedisScript(`${EXPIRE_LUA}
local now, idle, max = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local expired = expire(KEYS[1], KEYS[2], now, idle)
local joined = redis.call('ZSCORE', KEYS[1], ARGV[2]) == false
local identity, avatar = false, false
if joined then
  redis.call('HSET', KEYS[2], ARGV[2] .. ':avatar', ARGV[4])
else
  identity = redis.call('HGET', KEYS[2], ARGV[2])
  avatar = redis.call('HGET', KEYS[2], ARGV[2] .. ':avatar')
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[2])
local replaced = {}
local surplus = redis.call('ZCARD', KEYS[1]) - max
if surplus > 0 then
  replaced = redis.call('ZRANGE', KEYS[1], 0, surplus - 1)
  for _, id in ipairs(replaced) do
    redis.call('ZREM', KEYS[1], id)
    redis.call('HDEL', KEYS[2], id, id .. ':avatar')
  end
end
reschedule(KEYS[1], KEYS[3], ARGV[1], idle)
redis.call('PEXPIRE', KEYS[1], ARGV[8])
redis.call('PEXPIRE', KEYS[2], ARGV[8])
return { joined and 1 or 0, identity, avatar, expired, replaced }
`);

/** ARGV: user id, avatar JSON. Returns [identity JSON, last seen] while they are on the wall, else nil. */
const SET_AVATAR = new RedisScript(`
local seen = redis.call('ZSCORE', KEYS[1], ARGV[1])
if seen == false then
  return false
end
redis.call('HSET', KEYS[2], ARGV[1] .. ':avatar', ARGV[2])
return { redis.call('HGET', KEYS[2], ARGV[1]), seen }
`);

/** ARGV: the latest idle score (now - idle). Returns [id, last seen, identity JSON, avatar JSON] per viewer. */
const WALL = new RedisScript(`
local seen = redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
local out = {}
for i = 1, #seen, 2 do
  out[#out + 1] = seen[i]
  out[#out + 1] = seen[i + 1]
  out[#out + 1] = redis.call('HGET', KEYS[2], seen[i])
  out[#out + 1] = redis.call('HGET', KEYS[2], seen[i] .. ':avatar')
end
return out
`);

/** ARGV: streamer, now, idle ms. Returns the expired ids. */
const SWEEP = new RedisScript(`${EXPIRE_LUA}
local idle = tonumber(ARGV[3])
local expired = expire(KEYS[1], KEYS[2], tonumber(ARGV[2]), idle)
reschedule(KEYS[1], KEYS[3], ARGV[1], idle)
return expired
`);

/** Walls swept per round trip for the due set. */
const SWEEP_PAGE = 100;
/** Keys outlive their last line by this much, so a wall nobody sweeps any more still vanishes. */
const KEY_TTL_MARGIN_MS = 60_000;

type Nullable = string | null;

/**
 * Per streamer, a sorted set `avatar-wall:<id>` (user id → last chat line, ms) and a hash
 * `avatar-wall:<id>:viewers` (`<user id>` → identity JSON, `<user id>:avatar` → avatar JSON); one sorted set
 * `avatar-walls-due` (streamer → when its least recent viewer goes idle) lets the sweep visit only the walls
 * with someone to remove. Each change is one Lua script, so concurrent lines and sweeps on any instances
 * report every departure exactly once.
 */
export class RedisAvatarWallStore extends AvatarWallStore {
  private readonly client: Redis;

  constructor(private readonly redis: RedisConnection) {
    super();
    this.client = redis.client!;
  }

  async touch(
    streamerId: string,
    identity: ChatterIdentity,
    now: number,
    limits: WallLimits,
  ): Promise<TouchOutcome> {
    const pending: AvatarState = { status: 'pending', url: null, at: now };
    const [joined, identityBefore, avatarBefore, expired, replaced] = (await TOUCH.run(
      this.client,
      this.keys(streamerId),
      [
        streamerId,
        identity.userId,
        JSON.stringify(identity),
        JSON.stringify(pending),
        now,
        limits.idleMs,
        limits.max,
        limits.idleMs + KEY_TTL_MARGIN_MS,
      ],
    )) as [number, Nullable, Nullable, string[], string[]];
    return {
      joined: joined === 1,
      before:
        joined === 1
          ? undefined
          : {
              identity: identityBefore ? (JSON.parse(identityBefore) as ChatterIdentity) : { ...identity },
              avatar: avatarBefore ? (JSON.parse(avatarBefore) as AvatarState) : pending,
            },
      left: [
        ...expired.map((userId): WallDeparture => ({ userId, reason: 'idle' })),
        ...replaced.map((userId): WallDeparture => ({ userId, reason: 'replaced' })),
      ],
    };
  }

  async setAvatar(streamerId: string, userId: string, avatar: AvatarState): Promise<WallEntry | null> {
    const answer = (await SET_AVATAR.run(this.client, this.keys(streamerId).slice(0, 2), [
      userId,
      JSON.stringify(avatar),
    ])) as [Nullable, string] | null;
    if (!answer) {
      return null;
    }
    return this.toEntry(userId, answer[1], answer[0], JSON.stringify(avatar));
  }

  async wall(streamerId: string, now: number, idleMs: number): Promise<WallEntry[]> {
    const flat = (await WALL.run(this.client, this.keys(streamerId).slice(0, 2), [
      now - idleMs,
    ])) as Nullable[];
    const entries: WallEntry[] = [];
    for (let i = 0; i + 3 < flat.length; i += 4) {
      entries.push(this.toEntry(flat[i]!, flat[i + 1]!, flat[i + 2], flat[i + 3]));
    }
    return entries;
  }

  count(streamerId: string, now: number, idleMs: number): Promise<number> {
    return this.client.zcount(this.keys(streamerId)[0], `(${now - idleMs}`, '+inf');
  }

  async sweep(now: number, idleMs: number): Promise<Array<{ streamerId: string; userId: string }>> {
    const left: Array<{ streamerId: string; userId: string }> = [];
    for (;;) {
      const due = await this.client.zrangebyscore(this.dueKey(), '-inf', now, 'LIMIT', 0, SWEEP_PAGE);
      for (const streamerId of due) {
        const expired = (await SWEEP.run(this.client, this.keys(streamerId), [
          streamerId,
          now,
          idleMs,
        ])) as string[];
        left.push(...expired.map((userId) => ({ streamerId, userId })));
      }
      if (due.length < SWEEP_PAGE) {
        return left;
      }
    }
  }

  private toEntry(userId: string, seen: string, identity: Nullable, avatar: Nullable): WallEntry {
    const who = identity
      ? (JSON.parse(identity) as ChatterIdentity)
      : { userId, login: userId, displayName: userId };
    return {
      userId,
      login: who.login,
      displayName: who.displayName,
      avatar: avatar
        ? (JSON.parse(avatar) as AvatarState)
        : { status: 'pending', url: null, at: Number(seen) },
      lastSeenAt: Number(seen),
    };
  }

  private keys(streamerId: string): [wall: string, viewers: string, due: string] {
    return [
      this.redis.key('avatar-wall', streamerId),
      this.redis.key('avatar-wall', streamerId, 'viewers'),
      this.dueKey(),
    ];
  }

  private dueKey(): string {
    return this.redis.key('avatar-walls-due');
  }
}
