import type { ApiClient } from '../wechat-api/client.js';
import { createWeChatApi } from '../wechat-api/create-api.js';
import { createMemoryTokenStore, type TokenStore } from '../wechat-api/token-store.js';
import type { ApiConfig } from '../core/config.js';
import { ConfigError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { connectRedis, keyspaceOf, type RedisConnection } from '../redis/connection.js';
import { createRedisTokenStore } from '../redis/redis-token-store.js';
import { tokenStoreWithFallback } from '../redis/with-fallback.js';

/** How long a command waits for Redis before going on with a token of its own. */
export const REDIS_WAIT_MS = 2000;

export interface CommandApi {
  readonly client: ApiClient;
  /** Closes the Redis connection, if any. */
  close(): Promise<void>;
}

/**
 * The outbound API for a command line tool, sharing the servers' access token so that it
 * never invalidates theirs: through Redis with REDIS_URL, otherwise (or while Redis is
 * unreachable) with a stable token, which other fetches do not invalidate.
 */
export async function openCommandApi(config: ApiConfig, note: (line: string) => void): Promise<CommandApi> {
  const missing = (): ConfigError =>
    new ConfigError(
      config.appId === undefined ? 'WECHAT_APPID' : 'WECHAT_APPSECRET',
      'WECHAT_APPID and WECHAT_APPSECRET are needed: put them in .env or the environment',
    );
  if (config.appId === undefined || config.appSecret === undefined) throw missing();
  let store: TokenStore = createMemoryTokenStore();
  let tokenMode: ApiConfig['tokenMode'] = 'stable';
  let close = async (): Promise<void> => undefined;
  if (config.redisUrl !== undefined) {
    const redis = connectRedis(config.redisUrl, createLogger('silent'));
    if (await whenReady(redis, REDIS_WAIT_MS)) {
      store = tokenStoreWithFallback(redis, createRedisTokenStore(keyspaceOf(redis, { appId: config.appId })), store);
      tokenMode = config.tokenMode;
      close = () => redis.close();
    } else {
      await redis.close();
      note('Redis (REDIS_URL) is unreachable: using a stable access token, which does not invalidate the servers’ token');
    }
  } else if (config.tokenMode === 'token') {
    note('without REDIS_URL this command uses a stable access token, so that the server’s classic token stays valid');
  }
  const api = createWeChatApi({ ...config, tokenMode }, { store });
  if (api === undefined) throw missing();
  return { client: api.client, close };
}

function whenReady(connection: RedisConnection, timeoutMs: number): Promise<boolean> {
  if (connection.healthy()) return Promise.resolve(true);
  return new Promise((resolve) => {
    const ready = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    const timer = setTimeout(() => {
      connection.redis.off('ready', ready);
      resolve(false);
    }, timeoutMs);
    connection.redis.once('ready', ready);
  });
}

/** Opens the API, runs `use` with it, and closes it whatever `use` did: a command's exit status. */
export async function withApi(openApi: () => Promise<CommandApi>, use: (api: CommandApi) => Promise<number>): Promise<number> {
  const api = await openApi();
  try {
    return await use(api);
  } finally {
    await api.close();
  }
}
