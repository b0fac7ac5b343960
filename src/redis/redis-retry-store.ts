import { ExpiringMap } from '../core/expiring-map.js';
import { NO_REPLY, type RecordedReply } from '../replay-memory/recorded-reply.js';
import { RETRY_WINDOW_MS, type Claim, type RetryStore } from '../replay-memory/retry-store.js';
import type { RedisKeyspace } from './connection.js';

const PENDING = 'pending';

/** A recorded reply as Redis keeps it: the XML, or an empty string for no reply. */
function serialize(reply: RecordedReply): string {
  return reply === NO_REPLY ? '' : reply.toString('utf8');
}
/**
 * A reply's XML starts at its first `<`; a value without one is no reply. A value that
 * the previous version wrote (a content type, a newline, the body) reads the same way.
 */
function deserialize(stored: string): RecordedReply {
  const xml = stored.indexOf('<');
  return xml === -1 ? NO_REPLY : Buffer.from(stored.slice(xml), 'utf8');
}
const POLL_MS = 50;
/** How often replies that Redis could not take are offered to it again. */
const REWRITE_MS = 250;
/** Replies waiting for Redis to come back, at most (the oldest are dropped first). */
const MAX_REWRITES = 10_000;

/** The Redis retry store, which can also be handed replies decided elsewhere. */
export interface SharedRetryStore extends RetryStore {
  /**
   * Stores `reply` under `retryKey`, now or, if Redis does not take it, once it does
   * (within the retry window): a claim whose owner could not settle it in Redis, or
   * that was made in the process while Redis stalled, must not stay `pending` there.
   */
  record(retryKey: string, reply: RecordedReply): void;
  /** Stops offering replies to Redis. */
  close(): void;
}

/**
 * Retry de-duplication across instances. The first instance claims the key atomically
 * (SET NX) and stores the reply's bytes for 60 s; a retry on another instance gets
 * them, waiting at most `waitMs` (REPLY_TIMEOUT_MS) while the first is still running,
 * then no reply. Retries on the same instance wait for the first reply, as with the
 * in-memory store.
 */
export function createRedisRetryStore(connection: RedisKeyspace, waitMs: number): SharedRetryStore {
  const { redis, prefix } = connection;
  const inFlight = new Map<string, Promise<RecordedReply>>();
  // Each reply Redis did not take, until its retry window ends.
  const rewrites = new ExpiringMap<string, string>({ max: MAX_REWRITES });
  let timer: NodeJS.Timeout | undefined;
  let outstanding = 0;

  function rewriteLater(key: string, value: string): void {
    rewrites.set(key, value, Date.now() + RETRY_WINDOW_MS);
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
    for (const [key, value, until] of rewrites.entries()) {
      outstanding += 1;
      redis
        .set(key, value, 'PX', until - now)
        .then(
          () => {
            if (rewrites.get(key) === value) rewrites.delete(key);
          },
          () => undefined, // still unreachable: offered again at the next tick
        )
        .finally(() => (outstanding -= 1));
    }
  }

  function write(key: string, reply: RecordedReply): Promise<void> {
    const value = serialize(reply);
    return redis.set(key, value, 'PX', RETRY_WINDOW_MS).then(
      () => undefined,
      () => rewriteLater(key, value),
    );
  }

  /** The reply another instance stores under `key`, once it has one. */
  async function recordedBy(key: string, giveUpAt: number): Promise<RecordedReply> {
    try {
      for (;;) {
        const stored = await redis.get(key);
        if (stored === null) return NO_REPLY; // expired: long answered
        if (stored !== PENDING) return deserialize(stored);
        if (Date.now() + POLL_MS > giveUpAt) return NO_REPLY;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
      }
    } catch {
      return NO_REPLY; // Redis failed meanwhile: WeChat still gets an answer
    }
  }

  /** `recordedBy`, but never past `waitMs` from now, however slow Redis is. */
  function boundedRecordedBy(key: string): Promise<RecordedReply> {
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<RecordedReply>((resolve) => (timeout = setTimeout(resolve, waitMs, NO_REPLY)));
    return Promise.race([recordedBy(key, Date.now() + waitMs), late]).finally(() => clearTimeout(timeout));
  }

  return {
    async claim(retryKey) {
      const key = `${prefix}retry:${retryKey}`;
      const local = inFlight.get(key);
      if (local !== undefined) return { first: false, recorded: local };

      if ((await redis.set(key, PENDING, 'PX', RETRY_WINDOW_MS, 'NX')) === 'OK') {
        let resolve!: (reply: RecordedReply) => void;
        const recorded = new Promise<RecordedReply>((done) => (resolve = done));
        inFlight.set(key, recorded);
        const claim: Claim = {
          first: true,
          settle(reply) {
            resolve(reply);
            // Until Redis has the reply, local retries keep getting it from here.
            void write(key, reply).finally(() => inFlight.delete(key));
          },
        };
        return claim;
      }
      return { first: false, recorded: boundedRecordedBy(key) };
    },
    record(retryKey, reply) {
      void write(`${prefix}retry:${retryKey}`, reply);
    },
    close() {
      clearInterval(timer);
      timer = undefined;
      rewrites.clear();
    },
  };
}
