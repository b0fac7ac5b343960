import type { Redis, RedisOptions } from 'ioredis';
import { lazyRequire } from '../core/lazy-require.js';
import type { Logger } from 'pino';
import type { HealthCheck } from '../core/health-check.js';

/** Every Redis call is bounded: a slow Redis must not push a reply past WeChat's deadline. */
export const REDIS_COMMAND_TIMEOUT_MS = 250;

const loadIoredis = lazyRequire<{ Redis: new (url: string, options: RedisOptions) => Redis }>('ioredis');

export interface RedisConnection extends HealthCheck {
  readonly redis: Redis;
  close(): Promise<void>;
}

/** One account's part of Redis: the connection every account shares, and the prefix of its keys. */
export interface RedisKeyspace extends Pick<HealthCheck, 'healthy'> {
  readonly redis: Redis;
  /** `wechat:<AppID>:`, the AppID verbatim, so that accounts can share one Redis. */
  readonly prefix: string;
}

/** Who an account is, as its keys in Redis need it (an account's settings). */
export interface KeyedAccount {
  readonly appId: string | undefined;
  /** The third-party platform it authorised, when it is one of a platform's accounts. */
  readonly componentAppId?: string;
}

/**
 * The keys of an account: `wechat:<AppID>:` (`no-appid` for an account without one,
 * which has no API), or for an account that authorised a third-party platform, under
 * the platform's: `wechat:open:<componentAppId>:authorizer:<AppID>:`.
 */
export function keyspaceOf(connection: RedisConnection, account: KeyedAccount): RedisKeyspace {
  const appId = account.appId ?? 'no-appid';
  const prefix = account.componentAppId === undefined ? `wechat:${appId}:` : `wechat:open:${account.componentAppId}:authorizer:${appId}:`;
  return { redis: connection.redis, prefix, healthy: () => connection.healthy() };
}

/**
 * Connects to REDIS_URL. Commands fail at once while Redis is unreachable (no offline
 * queue), so that callers fall back to the process; reconnection goes on in the
 * background, and each outage is logged once.
 */
export function connectRedis(url: string, logger: Logger): RedisConnection {
  const { Redis: RedisClient } = loadIoredis();
  const redis = new RedisClient(url, {
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 1000,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: (times) => Math.min(100 * times, 1000),
  });
  let down = false;
  const markDown = (reason: string): void => {
    if (down) return;
    down = true;
    logger.warn({ reason }, 'Redis is unreachable: the access token and retry de-duplication fall back to this process');
  };
  redis.on('error', (error: Error) => markDown(error.message));
  redis.on('close', () => markDown('connection closed'));
  redis.on('ready', () => {
    if (down) logger.info('Redis is reachable again: back to shared mode');
    down = false;
  });
  return {
    name: 'redis',
    redis,
    healthy: () => redis.status === 'ready',
    async probe() {
      if (redis.status !== 'ready') return false;
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(resolve, REDIS_COMMAND_TIMEOUT_MS, false)));
      const pong = redis.ping().then(
        (answer) => answer === 'PONG',
        () => false,
      );
      return Promise.race([pong, late]).finally(() => clearTimeout(timer));
    },
    async close() {
      redis.disconnect();
    },
  };
}
