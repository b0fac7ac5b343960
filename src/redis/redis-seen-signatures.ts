import type { SeenSignatures, Sighting } from '../replay-memory/seen-signatures.js';
import type { RedisKeyspace } from './connection.js';

// Sets the key unless it exists, and answers what it held: one round trip, atomic, on
// every Redis version (SET NX GET needs 7.0).
const SEE = `local held = redis.call('GET', KEYS[1])
if held then return held end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** The memory of seen signatures in Redis, shared by every instance. */
export function createRedisSeenSignatures({ redis, prefix }: RedisKeyspace, now: () => number = Date.now): SeenSignatures {
  return {
    async see(signature, digest, expiresAt): Promise<Sighting> {
      const value = digest.toString('base64');
      const ttl = Math.max(1, Math.ceil(expiresAt - now()));
      const held = (await redis.eval(SEE, 1, `${prefix}signature:${signature.toLowerCase()}`, value, ttl)) as string | null;
      if (held === null) return 'new';
      return held === value ? 'same' : 'different';
    },
  };
}
