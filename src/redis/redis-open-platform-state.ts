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

/**
 * The open platform's state in Redis, shared by every instance, under
 * `wechat:open:<componentAppId>:`: `ticket` (a hash: value, received_at),
 * `authorizer:<appid>` (a hash: the sealed refresh token, needs_reauth, authorized_at,
 * func_info), `authorizers` (the set of AppIDs), `needs_reauthorization` (the set of those marked), `push_requested` (the last ask for a
 * push, for 10 minutes), and the tokens (`component_token`, `authorizer:<appid>:access_token`,
 * each with its lock). None but the tokens and `push_requested` has a TTL.
 * The tokens fall back to the process while Redis is down; the ticket and the accounts
 * do not (a push then fails, and WeChat sends it again).
 */
export function createRedisOpenPlatformState(connection: RedisConnection, componentAppId: string): OpenPlatformState {
  const { redis } = connection;
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
      await redis
        .multi()
        .del(authorizerKey(appId), `${authorizerKey(appId)}:access_token`)
        .srem(listKey, appId)
        .srem(reauthorizationKey, appId)
        .exec();
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
    : createRedisOpenPlatformState(connection, componentAppId);
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
