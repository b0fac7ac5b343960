import type { StoredToken, TokenStore } from '../wechat-api/token-store.js';
import type { RedisKeyspace } from './connection.js';
import { withRedisLock } from './redis-lock.js';

const DELETE_IF_EQUAL = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * How long a refresh may hold the lock before Redis frees it (a crashed holder): more
 * than a refresh can take, two API calls of 5 s (stable_token, then a forced one).
 */
const LOCK_LAPSE_MS = 15_000;
/** How long a waiter waits for another instance's refresh before failing. */
const WAIT_LIMIT_MS = 12_000;
const POLL_MS = 25;

/**
 * One credential for every instance, under the key `name` (`access_token`,
 * `jsapi_ticket`) with its own lock. The value's Redis TTL is its lifetime; a refresh
 * runs under the lock (redis-lock.ts), and the others wait for the new value instead
 * of fetching their own.
 */
export function createRedisTokenStore({ redis, prefix }: RedisKeyspace, name = 'access_token'): TokenStore {
  const key = `${prefix}${name}`;
  const lock = { what: `${name} refresh`, lapseMs: LOCK_LAPSE_MS, waitMs: WAIT_LIMIT_MS, pollMs: POLL_MS };

  return {
    async read() {
      const [[, value], [, ttl]] = ((await redis.multi().get(key).pttl(key).exec()) ?? []) as [[unknown, string | null], [unknown, number]];
      // An empty value (written by hand, or by another program) is no credential.
      if (typeof value !== 'string' || value === '' || typeof ttl !== 'number' || ttl <= 0) return undefined;
      return { value, expiresAt: Date.now() + ttl };
    },
    async write(token: StoredToken) {
      const ttl = Math.floor(token.expiresAt - Date.now());
      if (ttl > 0 && token.value !== '') await redis.set(key, token.value, 'PX', ttl);
    },
    async discard(value) {
      await redis.eval(DELETE_IF_EQUAL, 1, key, value);
    },
    withRefreshLock: (refresh) => withRedisLock(redis, `${key}:lock`, lock, refresh),
  };
}
