import { createHash } from 'node:crypto';
import { RETRY_WINDOW_MS, type Claim, type RetryStore, type StoredAnswer } from '../replies/retry-store.js';
import type { RedisConnection } from './connection.js';

const PENDING = 'pending';
const SUCCESS: StoredAnswer = { contentType: 'text/plain; charset=utf-8', body: 'success' };

/**
 * Retry de-duplication across instances. The first instance claims the key atomically
 * (SET NX) and stores the answer's bytes for 60 s; a retry on another instance gets
 * them, or `success` while the first is still running. Retries on the same instance
 * wait for the first answer, as with the in-memory store.
 */
export function createRedisRetryStore({ redis, prefix }: RedisConnection): RetryStore {
  const inFlight = new Map<string, Promise<StoredAnswer>>();

  return {
    async claim(retryKey) {
      const key = `${prefix}retry:${createHash('sha1').update(retryKey).digest('hex')}`;
      const local = inFlight.get(key);
      if (local !== undefined) return { first: false, answer: local };

      if ((await redis.set(key, PENDING, 'PX', RETRY_WINDOW_MS, 'NX')) === 'OK') {
        let resolve!: (answer: StoredAnswer) => void;
        const answer = new Promise<StoredAnswer>((done) => (resolve = done));
        inFlight.set(key, answer);
        const claim: Claim = {
          first: true,
          settle(stored) {
            resolve(stored);
            inFlight.delete(key);
            redis.set(key, JSON.stringify(stored), 'PX', RETRY_WINDOW_MS, 'XX').catch(() => undefined);
          },
        };
        return claim;
      }
      const stored = await redis.get(key);
      if (stored === null || stored === PENDING) return { first: false, answer: Promise.resolve(SUCCESS) };
      return { first: false, answer: Promise.resolve(JSON.parse(stored) as StoredAnswer) };
    },
  };
}
