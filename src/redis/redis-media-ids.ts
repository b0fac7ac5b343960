import { MEDIA_LIFETIME_MS, type CachedMediaId, type MediaIdStore } from '../replies-file/media-cache.js';
import type { RedisKeyspace } from './connection.js';
import { withRedisLock, type RedisLockOptions } from './redis-lock.js';

const LOCK: RedisLockOptions = {
  what: 'upload of the same file',
  /** Longer than an upload may take (its 60 s timeout, plus a token fetch): only a crashed holder's lock lapses. */
  lapseMs: 75_000,
  /** How long an instance waits for another's upload of the same file before failing. */
  waitMs: 70_000,
  pollMs: 50,
};

function parse(value: string | null): CachedMediaId | undefined {
  if (value === null) return undefined;
  try {
    const entry = JSON.parse(value) as Partial<CachedMediaId> | null;
    return typeof entry?.mediaId === 'string' && entry.mediaId !== '' && typeof entry.reuseUntil === 'number'
      ? { mediaId: entry.mediaId, reuseUntil: entry.reuseUntil }
      : undefined;
  } catch {
    return undefined; // written by hand or by another program: no media id
  }
}

/**
 * The replies file's media ids for every instance, under `<prefix>media:<type>:<sha256>`,
 * gone from Redis when WeChat forgets them. An upload runs under a per-file lock
 * (redis-lock.ts), so that two instances never upload the same file.
 */
export function createRedisMediaIdStore({ redis, prefix }: RedisKeyspace): MediaIdStore {
  const keyOf = (key: string): string => `${prefix}media:${key}`;
  return {
    read: async (key) => parse(await redis.get(keyOf(key))),
    async write(key, entry) {
      await redis.set(keyOf(key), JSON.stringify(entry), 'PX', MEDIA_LIFETIME_MS);
    },
    exclusive: (key, work) => withRedisLock(redis, `${keyOf(key)}:lock`, LOCK, work),
  };
}
