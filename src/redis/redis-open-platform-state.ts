import type { Logger } from 'pino';
import { createFileOpenPlatformState } from '../open-platform/file-state.js';
import type { AuthorizerRecord, OpenPlatformState, StoredTicket } from '../open-platform/platform-state.js';
import { createMemoryTokenStore, type TokenStore } from '../wechat-api/token-store.js';
import type { RedisConnection } from './connection.js';
import { createRedisTokenStore } from './redis-token-store.js';
import { tokenStoreWithFallback } from './with-fallback.js';

/** Drops the ticket only if it is still ARGV[1]. */
const DISCARD_TICKET = `if redis.call('HGET', KEYS[1], 'value') == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
/** Marks the account only if its refresh token is still ARGV[1]. */
const MARK_REAUTHORIZATION = `if redis.call('HGET', KEYS[1], 'refresh') == ARGV[1] then
  redis.call('SADD', KEYS[2], ARGV[2])
  return redis.call('HSET', KEYS[1], 'needs_reauth', '1')
end
return 0`;

/** The keys of one component AppID's platform: `wechat:open:<componentAppId>:`. */
export function openPlatformPrefix(componentAppId: string): string {
  return `wechat:open:${componentAppId}:`;
}

/** `text` as a Redis glob (SCAN's MATCH) that matches it alone: `*`, `?`, `[`, `]` and `\` escaped. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** How an `unauthorized` account's keys are swept: bounds that keep the push from blocking on a large Redis. */
export interface AuthorizerSweepLimits {
  /** The most keys deleted in one sweep (default 100 000). */
  readonly maxKeys?: number;
  /** How long one sweep may scan, in ms (default 2 000: the push is answered within WeChat's 5 s). */
  readonly maxMs?: number;
}

export interface RedisOpenPlatformStateOptions {
  readonly logger?: Logger;
  readonly sweep?: AuthorizerSweepLimits;
}

/** SCAN's COUNT: how many slots each call looks at. */
const SWEEP_SCAN_COUNT = 500;

/**
 * The open platform's state in Redis, shared by every instance, under
 * `wechat:open:<componentAppId>:`: `ticket` (a hash: value, received_at),
 * `authorizer:<appid>` (a hash: the sealed refresh token, needs_reauth, authorized_at,
 * func_info), `authorizers` (the set of AppIDs), `needs_reauthorization` (the set of those marked), `push_requested` (the last ask for a
 * push, for 10 minutes), and the tokens (`component_token`, `authorizer:<appid>:access_token`,
 * each with its lock). None but the tokens and `push_requested` has a TTL. Each authorised
 * account's own keys (keyspaceOf in connection.ts) are under `authorizer:<appid>:` too,
 * and go with it on `unauthorized`.
 * The tokens fall back to the process while Redis is down; the ticket and the accounts
 * do not (a push then fails, and WeChat sends it again).
 */
export function createRedisOpenPlatformState(
  connection: RedisConnection,
  componentAppId: string,
  options: RedisOpenPlatformStateOptions = {},
): OpenPlatformState {
  const { redis } = connection;
  const { logger } = options;
  const maxKeys = options.sweep?.maxKeys ?? 100_000;
  const maxMs = options.sweep?.maxMs ?? 2_000;
  const prefix = openPlatformPrefix(componentAppId);
  const keyspace = { redis, prefix, healthy: () => connection.healthy() };
  const ticketKey = `${prefix}ticket`;
  const listKey = `${prefix}authorizers`;
  /** The AppIDs marked as needing re-authorisation, kept beside their records' flag. */
  const reauthorizationKey = `${prefix}needs_reauthorization`;
  const authorizerKey = (appId: string): string => `${prefix}authorizer:${appId}`;
  const tokenStore = (name: string): TokenStore =>
    tokenStoreWithFallback(connection, createRedisTokenStore(keyspace, name), createMemoryTokenStore());
  const componentToken = tokenStore('component_token');
  const authorizerTokens = new Map<string, TokenStore>();

  /**
   * Deletes every key under the account's `authorizer:<appid>:` (its retry memory,
   * sessions, reach, media ids, tickets, tokens and locks): SCAN on that prefix, each
   * batch UNLINKed, within `maxKeys` and `maxMs`; a sweep cut short is logged with what
   * is left to do. Redis failing throws (the push is then sent again, and swept again).
   */
  const sweepAuthorizer = async (appId: string): Promise<void> => {
    const keyPrefix = `${authorizerKey(appId)}:`;
    const match = `${escapeGlob(keyPrefix)}*`;
    const giveUpAt = Date.now() + maxMs;
    let cursor = '0';
    let deleted = 0;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', SWEEP_SCAN_COUNT);
      cursor = next;
      const batch = keys.slice(0, maxKeys - deleted);
      if (batch.length > 0) deleted += await redis.unlink(...batch);
      const overBudget = keys.length > batch.length || (cursor !== '0' && deleted >= maxKeys);
      if (overBudget || (cursor !== '0' && Date.now() >= giveUpAt)) {
        logger?.warn(
          { authorizer: appId, deleted, pattern: match },
          `the keys of an account that took back its authorisation were not all deleted (${overBudget ? `${maxKeys} keys` : `${maxMs} ms`} reached): delete the rest with SCAN MATCH and UNLINK`,
        );
        return;
      }
    } while (cursor !== '0');
    logger?.debug({ authorizer: appId, deleted }, 'the keys of an account that took back its authorisation deleted');
  };

  return {
    async readTicket() {
      const { value, received_at: receivedAt } = await redis.hgetall(ticketKey);
      if (value === undefined || value === '' || receivedAt === undefined) return undefined;
      return { value, receivedAt: Number(receivedAt) } satisfies StoredTicket;
    },
    async writeTicket(ticket) {
      await redis.hset(ticketKey, { value: ticket.value, received_at: String(ticket.receivedAt) });
    },
    async discardTicket(value) {
      await redis.eval(DISCARD_TICKET, 1, ticketKey, value);
    },
    async readAuthorizer(appId) {
      const fields = await redis.hgetall(authorizerKey(appId));
      if (fields.refresh === undefined || fields.refresh === '') return undefined;
      return {
        appId,
        sealedRefreshToken: fields.refresh,
        authorizedAt: Number(fields.authorized_at ?? 0),
        needsReauthorization: fields.needs_reauth === '1',
        funcInfo: JSON.parse(fields.func_info ?? '[]') as number[],
      } satisfies AuthorizerRecord;
    },
    async writeAuthorizer(record) {
      const write = redis
        .multi()
        .hset(authorizerKey(record.appId), {
          refresh: record.sealedRefreshToken,
          authorized_at: String(record.authorizedAt),
          needs_reauth: record.needsReauthorization ? '1' : '0',
          func_info: JSON.stringify(record.funcInfo),
        })
        .sadd(listKey, record.appId);
      if (record.needsReauthorization) write.sadd(reauthorizationKey, record.appId);
      else write.srem(reauthorizationKey, record.appId);
      await write.exec();
    },
    async markNeedsReauthorization(appId, sealedRefreshToken) {
      await redis.eval(MARK_REAUTHORIZATION, 2, authorizerKey(appId), reauthorizationKey, sealedRefreshToken, appId);
    },
    async deleteAuthorizer(appId) {
      authorizerTokens.delete(appId);
      // The record and the lists first, at once: no instance finds the account any more.
      await redis
        .multi()
        .del(authorizerKey(appId), `${authorizerKey(appId)}:access_token`)
        .srem(listKey, appId)
        .srem(reauthorizationKey, appId)
        .exec();
      await sweepAuthorizer(appId);
    },
    async authorizers() {
      return redis.smembers(listKey);
    },
    async needingReauthorization() {
      return redis.smembers(reauthorizationKey);
    },
    async claimPushRequest(intervalMs) {
      return (await redis.set(`${prefix}push_requested`, String(Date.now()), 'PX', intervalMs, 'NX')) === 'OK';
    },
    componentToken,
    authorizerToken(appId) {
      let store = authorizerTokens.get(appId);
      if (store === undefined) authorizerTokens.set(appId, (store = tokenStore(`authorizer:${appId}:access_token`)));
      return store;
    },
    close: () => Promise.resolve(),
  };
}

/**
 * Where the platform's state is, for the server and the commands alike: in Redis when
 * there is a connection (REDIS_URL), shared by every instance; otherwise in `file`
 * (OPEN_STATE_FILE), read now.
 */
export function openPlatformState(
  connection: RedisConnection | undefined,
  file: string,
  componentAppId: string,
  logger?: Logger,
): OpenPlatformState {
  return connection === undefined
    ? createFileOpenPlatformState(file, componentAppId, logger)
    : createRedisOpenPlatformState(connection, componentAppId, { logger });
}

/**
 * The refresh tokens kept in Redis must never be lost: warns when Redis may evict them
 * (`maxmemory-policy` other than `noeviction`) or forget them on a restart (neither RDB
 * snapshots nor AOF). Asked once Redis is ready; a Redis that refuses CONFIG (a managed
 * one) gets a warning saying it could not be checked.
 */
export function warnUnlessRedisKeepsState(connection: RedisConnection, logger: Logger): void {
  const { redis } = connection;
  const check = async (): Promise<void> => {
    try {
      const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
      const [, save] = (await redis.config('GET', 'save')) as [string, string];
      const [, appendonly] = (await redis.config('GET', 'appendonly')) as [string, string];
      if (policy !== 'noeviction') {
        logger.warn(
          { policy },
          "Redis's maxmemory-policy is not noeviction: it may evict the open platform's refresh tokens, and those accounts would have to authorise again",
        );
      }
      if ((save ?? '').trim() === '' && appendonly !== 'yes') {
        logger.warn(
          "Redis has no persistence (no save, no appendonly): a restart of Redis loses the open platform's ticket and refresh tokens",
        );
      }
    } catch (error) {
      logger.warn(
        { reason: (error as Error).message },
        "could not check Redis's maxmemory-policy and persistence (CONFIG GET): make sure it never evicts nor forgets the open platform's refresh tokens",
      );
    }
  };
  if (redis.status === 'ready') void check();
  else redis.once('ready', () => void check());
}
