import type { ApiClient } from '../wechat-api/client.js';
import { createWeChatApi } from '../wechat-api/create-api.js';
import { createMemoryTokenStore, type TokenStore } from '../wechat-api/token-store.js';
import type { ApiConfig, ComponentConfig } from '../core/config.js';
import { ConfigError, ReauthorizationNeededError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { createAuthorizerApi } from '../open-platform/authorizer-api.js';
import { OpenPlatform } from '../open-platform/open-platform.js';
import type { OpenPlatformState } from '../open-platform/platform-state.js';
import { connectRedis, keyspaceOf, type RedisConnection } from '../redis/connection.js';
import { openPlatformState } from '../redis/redis-open-platform-state.js';
import { createRedisTokenStore } from '../redis/redis-token-store.js';
import { tokenStoreWithFallback } from '../redis/with-fallback.js';
import { NotAuthorisedError } from './cli-errors.js';

/** How long a command waits for Redis before going on with a token of its own. */
export const REDIS_WAIT_MS = 2000;

export interface CommandApi {
  readonly client: ApiClient;
  /** Whose API it is, as its keys in Redis name it. */
  readonly account: { readonly appId: string; readonly componentAppId?: string };
  /** The connection to REDIS_URL while the command runs; undefined without it, or when it was unreachable. */
  readonly redis: RedisConnection | undefined;
  /** Closes what the API opened: the Redis connection, the platform's state. */
  close(): Promise<void>;
}

/**
 * An account that authorised the third-party platform: its API is the platform's, on the
 * authorizer token the servers keep for it in the platform's state.
 */
export interface AuthorisedApiConfig {
  readonly authorizerAppId: string;
  /** The four WECHAT_COMPONENT_*. */
  readonly component: ComponentConfig;
  readonly apiBase: string;
  /** With REDIS_URL the state is in Redis, as the server keeps it; else in `openStateFile`. */
  readonly redisUrl: string | undefined;
  /** OPEN_STATE_FILE. */
  readonly openStateFile: string;
}

/** What a command's API is opened with: an account's AppID and secret, or an account that authorised the platform. */
export type CommandApiConfig = ApiConfig | AuthorisedApiConfig;

/**
 * The outbound API for a command line tool, sharing the servers' tokens so that it never
 * invalidates theirs. With an AppID and secret: the access token through Redis with
 * REDIS_URL, otherwise (or while Redis is unreachable) a stable token, which other
 * fetches do not invalidate. For an account that authorised the platform: its authorizer
 * token, from the platform's state where the servers keep it.
 */
export function openCommandApi(config: CommandApiConfig, note: (line: string) => void): Promise<CommandApi> {
  return 'authorizerAppId' in config ? openAuthorisedApi(config) : openOwnApi(config, note);
}

/** The API on the account's own access token (its AppID and secret). */
async function openOwnApi(config: ApiConfig, note: (line: string) => void): Promise<CommandApi> {
  const missing = (): ConfigError =>
    new ConfigError(
      config.appId === undefined ? 'WECHAT_APPID' : 'WECHAT_APPSECRET',
      'WECHAT_APPID and WECHAT_APPSECRET are needed: put them in .env or the environment',
    );
  if (config.appId === undefined || config.appSecret === undefined) throw missing();
  let store: TokenStore = createMemoryTokenStore();
  let tokenMode: ApiConfig['tokenMode'] = 'stable';
  let close = async (): Promise<void> => undefined;
  let redis: RedisConnection | undefined;
  if (config.redisUrl !== undefined) {
    redis = await readyRedis(config.redisUrl);
    if (redis !== undefined) {
      store = tokenStoreWithFallback(redis, createRedisTokenStore(keyspaceOf(redis, { appId: config.appId })), store);
      tokenMode = config.tokenMode;
      const connection = redis;
      close = () => connection.close();
    } else {
      note('Redis (REDIS_URL) is unreachable: using a stable access token, which does not invalidate the servers’ token');
    }
  } else if (config.tokenMode === 'token') {
    note('without REDIS_URL this command uses a stable access token, so that the server’s classic token stays valid');
  }
  const api = createWeChatApi({ ...config, tokenMode }, { store });
  if (api === undefined) throw missing();
  return { client: api.client, account: { appId: config.appId }, redis, close };
}

/**
 * The API of an account that authorised the platform: the platform built on its state as
 * the server builds it (Redis with REDIS_URL, else OPEN_STATE_FILE), so that the
 * component and authorizer tokens the servers stored are used, not fetched again. Throws
 * at once when the account has not authorised the platform or must authorise it again.
 */
async function openAuthorisedApi(config: AuthorisedApiConfig): Promise<CommandApi> {
  const redis = config.redisUrl === undefined ? undefined : await readyRedis(config.redisUrl);
  if (config.redisUrl !== undefined && redis === undefined) {
    throw new ConfigError(
      'REDIS_URL',
      'Redis (REDIS_URL) is unreachable: the platform’s state (its ticket, the authorised accounts and their tokens) is there; try again once it answers',
    );
  }
  let state: OpenPlatformState;
  try {
    state = openPlatformState(redis, config.openStateFile, config.component.appId);
  } catch (error) {
    await redis?.close();
    // Only the file can fail here: not ours, not JSON, or unreadable.
    throw new ConfigError('OPEN_STATE_FILE', `OPEN_STATE_FILE: ${(error as Error).message}`);
  }
  const platform = new OpenPlatform({ component: config.component, state, apiBase: config.apiBase });
  const close = async (): Promise<void> => {
    await platform.close();
    await redis?.close();
  };
  try {
    await checkAuthorised(state, config.authorizerAppId);
  } catch (error) {
    await close();
    throw error;
  }
  const api = createAuthorizerApi(platform, config.authorizerAppId, { apiBase: config.apiBase });
  return { client: api.client, account: { appId: config.authorizerAppId, componentAppId: config.component.appId }, redis, close };
}

/** Throws unless the platform's state holds `appId` as an authorised account in good standing. */
async function checkAuthorised(state: OpenPlatformState, appId: string): Promise<void> {
  const record = await state.readAuthorizer(appId);
  if (record === undefined) throw new NotAuthorisedError(appId);
  if (record.needsReauthorization) throw new ReauthorizationNeededError(appId);
}

/** A connection to Redis at `url` once it is ready, or undefined (closed) when it is not within REDIS_WAIT_MS. */
async function readyRedis(url: string): Promise<RedisConnection | undefined> {
  const redis = connectRedis(url, createLogger('silent'));
  if (await whenReady(redis, REDIS_WAIT_MS)) return redis;
  await redis.close();
  return undefined;
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
