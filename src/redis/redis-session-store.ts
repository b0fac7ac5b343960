import { LockTimeoutError, SessionUnavailableError } from '../core/errors.js';
import type { HeldSession, SessionStore } from '../replies/session-store.js';
import type { RedisKeyspace } from './connection.js';
import { acquireRedisLock, type HeldRedisLock } from './redis-lock.js';

/** Reads the state and keeps it another TTL (GETEX needs Redis 6.2). */
const READ = `local json = redis.call('GET', KEYS[1])
if json then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return json`;

/** Writes (or, without a value, deletes) the state only while this turn still holds the lock. */
const WRITE = `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
if ARGV[2] == nil then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
return 1`;

const POLL_MS = 25;

/**
 * Conversations in Redis, shared by every instance: the state under
 * `wechat:<AppID>:session:<account>:<user>` (conversationKey: the account's `%` and `:`
 * escaped), and, while a message's handler uses it, a lock beside it (redis-lock.ts,
 * with this turn's own value) that other instances wait for.
 * The lock lapses by itself after the turn limit, so a crashed instance holds a user
 * no longer than that; a turn that lost it cannot write.
 */
export function createRedisSessionStore({ redis, prefix }: RedisKeyspace, ttlMs: number): SessionStore {
  return {
    async hold(key, ms) {
      const stateKey = `${prefix}session:${key}`;
      let lock: HeldRedisLock;
      try {
        lock = await acquireRedisLock(redis, `${prefix}session-lock:${key}`, {
          what: 'hold on this conversation',
          lapseMs: ms,
          waitMs: ms,
          pollMs: POLL_MS,
        });
      } catch (error) {
        if (!(error instanceof LockTimeoutError)) throw error;
        throw new SessionUnavailableError('busy', `another instance kept this user’s conversation for more than ${ms} ms`);
      }
      const fenced = async (...values: string[]): Promise<void> => {
        const done = (await redis.eval(WRITE, 2, stateKey, lock.key, lock.owner, ...values)) as number;
        if (done !== 1) {
          throw new SessionUnavailableError(
            'lost',
            `this message’s handler kept the user’s conversation for more than ${ms} ms and lost it`,
          );
        }
      };
      const conversation: HeldSession = {
        read: async () => ((await redis.eval(READ, 1, stateKey, ttlMs)) as string | null) ?? undefined,
        write: (json) => fenced(json, String(ttlMs)),
        delete: () => fenced(),
        release() {
          void lock.release();
        },
      };
      return conversation;
    },
  };
}
