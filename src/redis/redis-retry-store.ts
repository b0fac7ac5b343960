import { RETRY_WINDOW_MS, SUCCESS_ANSWER as SUCCESS, type Claim, type RetryStore, type StoredAnswer } from '../replies/retry-store.js';
import type { RedisConnection } from './connection.js';

const PENDING = 'pending';

/** An answer as Redis keeps it: the content type, a newline, the body. */
function serialize(answer: StoredAnswer): string {
  return `${answer.contentType}\n${answer.body.toString('utf8')}`;
}
function deserialize(stored: string): StoredAnswer {
  const newline = stored.indexOf('\n');
  return { contentType: stored.slice(0, newline), body: Buffer.from(stored.slice(newline + 1), 'utf8') };
}
const POLL_MS = 50;

/**
 * Retry de-duplication across instances. The first instance claims the key atomically
 * (SET NX) and stores the answer's bytes for 60 s; a retry on another instance gets
 * them, waiting up to `waitMs` while the first is still running (then `success`).
 * Retries on the same instance wait for the first answer, as with the in-memory store.
 */
export function createRedisRetryStore({ redis, prefix }: RedisConnection, waitMs: number): RetryStore {
  const inFlight = new Map<string, Promise<StoredAnswer>>();

  /** The answer another instance stores under `key`, once it has one. */
  async function answerOf(key: string): Promise<StoredAnswer> {
    const giveUpAt = Date.now() + waitMs;
    try {
      for (;;) {
        const stored = await redis.get(key);
        if (stored === null) return SUCCESS; // expired: long answered
        if (stored !== PENDING) return deserialize(stored);
        if (Date.now() > giveUpAt) return SUCCESS;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch {
      return SUCCESS; // Redis failed meanwhile: WeChat still gets an answer
    }
  }

  return {
    async claim(retryKey) {
      const key = `${prefix}retry:${retryKey}`;
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
            // Until Redis has the answer, local retries keep getting it from here.
            redis
              .set(key, serialize(stored), 'PX', RETRY_WINDOW_MS, 'XX')
              .catch(() => undefined)
              .finally(() => inFlight.delete(key));
          },
        };
        return claim;
      }
      return { first: false, answer: answerOf(key) };
    },
  };
}
