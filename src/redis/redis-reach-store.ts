import { MESSAGE_ALLOWANCE, SENDS_KEPT } from '../reach/customer-service-window.js';
import type { GrantRecord } from '../reach/grants.js';
import type { ReachStore } from '../reach/reach-store.js';
import type { RedisKeyspace } from './connection.js';

/** A window's keys outlive the longest allowance by an hour, then go. */
const WINDOW_TTL_MS = MESSAGE_ALLOWANCE.ms + 60 * 60 * 1000;

/** Keeps the later of two times in a hash field (messages may be answered out of order by several instances). */
const LATER = `local held = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if tonumber(ARGV[2]) > held then redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

/** An accept adds one send to what is left of an accepted grant; a reject drops it. */
const ANSWER = `if ARGV[2] == 'reject' then redis.call('HSET', KEYS[1], ARGV[1], 'reject:0') return 1 end
local held = redis.call('HGET', KEYS[1], ARGV[1])
local left = 0
if held and string.sub(held, 1, 7) == 'accept:' then left = tonumber(string.sub(held, 8)) or 0 end
redis.call('HSET', KEYS[1], ARGV[1], 'accept:' .. (left + 1))
return 1`;

/** One send fewer on an accepted grant that has one left; nothing without a record. */
const USE = `local held = redis.call('HGET', KEYS[1], ARGV[1])
if held and string.sub(held, 1, 7) == 'accept:' then
  local left = tonumber(string.sub(held, 8)) or 0
  if left > 0 then redis.call('HSET', KEYS[1], ARGV[1], 'accept:' .. (left - 1)) end
end
return 1`;

const FIELDS = { message: 'm', event: 'e', refused: 'r' } as const;

function grantRecord(value: string): GrantRecord | undefined {
  const [status, left] = value.split(':');
  if (status !== 'accept' && status !== 'reject') return undefined;
  return { status, remaining: Math.max(0, Number(left) || 0) };
}

/**
 * Reach in Redis, shared by every instance: a user's window under
 * `wechat:<AppID>:reach:<openid>` (the latest message's and event's times, the latest
 * refusal) and `…:reach-sends:<openid>` (the latest sends), both gone an hour after the
 * longest allowance; the grants under `…:grants:<openid>`, one field per template
 * (`accept:<left>` or `reject:0`), kept until the user answers otherwise.
 */
export function createRedisReachStore({ redis, prefix }: RedisKeyspace): ReachStore {
  const windowKey = (openid: string): string => `${prefix}reach:${openid}`;
  const sendsKey = (openid: string): string => `${prefix}reach-sends:${openid}`;
  const grantsKey = (openid: string): string => `${prefix}grants:${openid}`;
  const quietly = (write: Promise<unknown>): void => void write.catch(() => undefined);
  return {
    interacted(openid, kind, at) {
      quietly(redis.eval(LATER, 1, windowKey(openid), FIELDS[kind], at, WINDOW_TTL_MS));
    },
    answered(openid, templateId, answer) {
      quietly(redis.eval(ANSWER, 1, grantsKey(openid), templateId, answer));
    },
    async sent(openid, at, count) {
      const key = sendsKey(openid);
      await redis
        .multi()
        .rpush(key, ...Array.from({ length: count }, () => at))
        .ltrim(key, -SENDS_KEPT, -1)
        .pexpire(key, WINDOW_TTL_MS)
        .exec();
    },
    async refused(openid, at) {
      await redis.eval(LATER, 1, windowKey(openid), FIELDS.refused, at, WINDOW_TTL_MS);
    },
    async usedGrant(openid, templateId) {
      await redis.eval(USE, 1, grantsKey(openid), templateId);
    },
    async window(openid) {
      const [fields, sends] = await Promise.all([redis.hgetall(windowKey(openid)), redis.lrange(sendsKey(openid), 0, -1)]);
      const time = (field: string): number | undefined => (fields[field] === undefined ? undefined : Number(fields[field]));
      if (Object.keys(fields).length === 0 && sends.length === 0) return undefined;
      return {
        message: time(FIELDS.message),
        event: time(FIELDS.event),
        refused: time(FIELDS.refused),
        sends: sends.map(Number).filter(Number.isFinite),
      };
    },
    async grants(openid) {
      const fields = await redis.hgetall(grantsKey(openid));
      const grants = new Map<string, GrantRecord>();
      for (const [templateId, value] of Object.entries(fields)) {
        const record = grantRecord(value);
        if (record !== undefined) grants.set(templateId, record);
      }
      return grants;
    },
  };
}
