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
/** How often answers that Redis could not take are offered to it again. */
const REWRITE_MS = 250;
/** Answers waiting for Redis to come back, at most (the oldest are dropped first). */
const MAX_REWRITES = 10_000;

/** The Redis retry store, which can also be handed answers decided elsewhere. */
export interface SharedRetryStore extends RetryStore {
  /**
   * Stores `answer` under `retryKey`, now or, if Redis does not take it, once it does
   * (within the retry window): a claim whose owner could not settle it in Redis, or
   * that was made in the process while Redis stalled, must not stay `pending` there.
   */
  record(retryKey: string, answer: StoredAnswer): void;
  /** Stops offering answers to Redis. */
  close(): void;
}

/**
 * Retry de-duplication across instances. The first instance claims the key atomically
 * (SET NX) and stores the answer's bytes for 60 s; a retry on another instance gets
 * them, waiting at most `waitMs` (REPLY_TIMEOUT_MS) while the first is still running,
 * then `success`. Retries on the same instance wait for the first answer, as with the
 * in-memory store.
 */
export function createRedisRetryStore(connection: RedisConnection, waitMs: number): SharedRetryStore {
  const { redis, prefix } = connection;
  const inFlight = new Map<string, Promise<StoredAnswer>>();
  const rewrites = new Map<string, { value: string; until: number }>();
  let timer: NodeJS.Timeout | undefined;
  let outstanding = 0;

  function rewriteLater(key: string, value: string): void {
    rewrites.delete(key);
    if (rewrites.size >= MAX_REWRITES) rewrites.delete(rewrites.keys().next().value as string);
    rewrites.set(key, { value, until: Date.now() + RETRY_WINDOW_MS });
    timer ??= setInterval(rewrite, REWRITE_MS).unref();
  }

  function rewrite(): void {
    if (rewrites.size === 0) {
      clearInterval(timer);
      timer = undefined;
      return;
    }
    // While Redis stalls, one round of writes at a time, not one per tick.
    if (!connection.healthy() || outstanding > 0) return;
    const now = Date.now();
    for (const [key, { value, until }] of rewrites) {
      if (until <= now) {
        rewrites.delete(key);
        continue;
      }
      outstanding += 1;
      redis
        .set(key, value, 'PX', until - now)
        .then(
          () => {
            if (rewrites.get(key)?.value === value) rewrites.delete(key);
          },
          () => undefined, // still unreachable: offered again at the next tick
        )
        .finally(() => (outstanding -= 1));
    }
  }

  function write(key: string, answer: StoredAnswer): Promise<void> {
    const value = serialize(answer);
    return redis.set(key, value, 'PX', RETRY_WINDOW_MS).then(
      () => undefined,
      () => rewriteLater(key, value),
    );
  }

  /** The answer another instance stores under `key`, once it has one. */
  async function answerOf(key: string, giveUpAt: number): Promise<StoredAnswer> {
    try {
      for (;;) {
        const stored = await redis.get(key);
        if (stored === null) return SUCCESS; // expired: long answered
        if (stored !== PENDING) return deserialize(stored);
        if (Date.now() + POLL_MS > giveUpAt) return SUCCESS;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch {
      return SUCCESS; // Redis failed meanwhile: WeChat still gets an answer
    }
  }

  /** `answerOf`, but never past `waitMs` from now, however slow Redis is. */
  function boundedAnswerOf(key: string): Promise<StoredAnswer> {
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<StoredAnswer>((resolve) => (timeout = setTimeout(resolve, waitMs, SUCCESS)));
    return Promise.race([answerOf(key, Date.now() + waitMs), late]).finally(() => clearTimeout(timeout));
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
            void write(key, stored).finally(() => inFlight.delete(key));
          },
        };
        return claim;
      }
      return { first: false, answer: boundedAnswerOf(key) };
    },
    record(retryKey, answer) {
      void write(`${prefix}retry:${retryKey}`, answer);
    },
    close() {
      clearInterval(timer);
      timer = undefined;
      rewrites.clear();
    },
  };
}
