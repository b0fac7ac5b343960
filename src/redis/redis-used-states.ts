import type { UsedStates } from '../replay-memory/used-states.js';
import type { RedisKeyspace } from './connection.js';

/** Used OAuth states in Redis, so that a state used on one instance fails on every other. */
export function createRedisUsedStates({ redis, prefix }: RedisKeyspace): UsedStates {
  return {
    async claim(state, ttlMs) {
      return (await redis.set(`${prefix}oauth-state:${state}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async isUsed(state) {
      return (await redis.exists(`${prefix}oauth-state:${state}`)) === 1;
    },
  };
}
