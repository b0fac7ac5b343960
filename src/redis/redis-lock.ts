import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { LockTimeoutError } from '../core/errors.js';

/** Lets a lock go only if it is still its owner's, never another's that took it after it lapsed. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

export interface RedisLockOptions {
  /** What the lock guards, for the timeout's message ("another instance's … did not finish in time"). */
  readonly what: string;
  /** How long Redis keeps the lock if its holder never lets it go (a crashed instance). */
  readonly lapseMs: number;
  /** How long to wait for another holder before giving up with a LockTimeoutError. */
  readonly waitMs: number;
  /** How often a waiter asks again. */
  readonly pollMs: number;
}

/** A lock held in Redis: `owner` is this holder's own value, which fenced writes compare. */
export interface HeldRedisLock {
  readonly key: string;
  readonly owner: string;
  /** Lets the lock go if it is still this holder's; never throws (the lock lapses anyway). */
  release(): Promise<void>;
}

/**
 * Takes the lock `key` across instances: SET NX PX with a value of this holder's own,
 * asked again every `pollMs` while another holds it. Throws LockTimeoutError when it is
 * still held `waitMs` from now, and Redis's own error when Redis fails.
 */
export async function acquireRedisLock(redis: Redis, key: string, options: RedisLockOptions): Promise<HeldRedisLock> {
  const { what, lapseMs, waitMs, pollMs } = options;
  const owner = randomBytes(12).toString('hex');
  const giveUpAt = Date.now() + waitMs;
  while ((await redis.set(key, owner, 'PX', lapseMs, 'NX')) !== 'OK') {
    if (Date.now() + pollMs > giveUpAt) throw new LockTimeoutError(`another instance’s ${what} did not finish in time`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return {
    key,
    owner,
    release: () =>
      redis.eval(RELEASE, 1, key, owner).then(
        () => undefined,
        () => undefined,
      ),
  };
}

/** Runs `work` while holding the lock `key` (acquireRedisLock), and lets it go after. */
export async function withRedisLock<T>(redis: Redis, key: string, options: RedisLockOptions, work: () => Promise<T>): Promise<T> {
  const lock = await acquireRedisLock(redis, key, options);
  try {
    return await work();
  } finally {
    await lock.release();
  }
}
