import type { RecordTables } from '../articles/publishing-records.js';
import type { RedisKeyspace } from './connection.js';

/**
 * One account's publishing records in Redis, shared by every instance and the commands:
 * each table a hash under `<account's prefix>articles:<table>` (`wechat:<AppID>:articles:drafts`…),
 * kept without expiry (a few entries a day; the sends must be remembered to be refused).
 */
export function createRedisRecordTables({ redis, prefix }: RedisKeyspace): RecordTables {
  const key = (table: string): string => `${prefix}articles:${table}`;
  return {
    async get(table, field) {
      return (await redis.hget(key(table), field)) ?? undefined;
    },
    async set(table, field, value) {
      await redis.hset(key(table), field, value);
    },
    async setIfAbsent(table, field, value) {
      return (await redis.hsetnx(key(table), field, value)) === 1;
    },
    async delete(table, field) {
      await redis.hdel(key(table), field);
    },
  };
}
