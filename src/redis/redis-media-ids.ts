import { randomBytes } from 'node:crypto';
import { MEDIA_LIFETIME_MS, type CachedMediaId, type MediaIdStore } from '../replies-file/media-cache.js';
import type { RedisConnection } from './connection.js';

const DELETE_IF_EQUAL = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/** Longer than an upload may take (its 60 s timeout, plus a token fetch): only a crashed holder's lock expires. */
const LOCK_TTL_MS = 75_000;
/** How long an instance waits for another's upload of the same file before failing. */
const WAIT_LIMIT_MS = 70_000;
const POLL_MS = 50;

/** Thrown when another instance's upload of the same file did not finish in time. */
export class MediaLockTimeoutError extends Error {
  override readonly name = 'MediaLockTimeoutError';
}

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
 * gone from Redis when WeChat forgets them. An upload runs under a per-file lock (SET NX
 * PX, released only by its owner), so that two instances never upload the same file.
 */
export function createRedisMediaIdStore({ redis, prefix }: RedisConnection): MediaIdStore {
  const keyOf = (key: string): string => `${prefix}media:${key}`;
  return {
    read: async (key) => parse(await redis.get(keyOf(key))),
    async write(key, entry) {
      await redis.set(keyOf(key), JSON.stringify(entry), 'PX', MEDIA_LIFETIME_MS);
    },
    async exclusive(key, work) {
      const lockKey = `${keyOf(key)}:lock`;
      const owner = randomBytes(12).toString('hex');
      const giveUpAt = Date.now() + WAIT_LIMIT_MS;
      while ((await redis.set(lockKey, owner, 'PX', LOCK_TTL_MS, 'NX')) !== 'OK') {
        if (Date.now() > giveUpAt) throw new MediaLockTimeoutError('another instance’s upload of the same file did not finish in time');
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
      try {
        return await work();
      } finally {
        await redis.eval(DELETE_IF_EQUAL, 1, lockKey, owner).catch(() => undefined);
      }
    },
  };
}
