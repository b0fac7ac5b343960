import type { Logger } from 'pino';
import { createWeChatApi, type WeChatApi } from './api/create-api.js';
import { createMemoryTokenStore, type TokenStore } from './api/token-store.js';
import type { Config } from './config.js';
import type { HealthCheck } from './http/health.js';
import { createLogger } from './logger.js';
import { connectRedis } from './redis/connection.js';
import { createRedisRetryStore } from './redis/redis-retry-store.js';
import { createRedisTokenStore } from './redis/redis-token-store.js';
import { retryStoreWithFallback, tokenStoreWithFallback } from './redis/with-fallback.js';
import { createResponder, type Responder } from './replies/respond.js';
import { createMemoryRetryStore, type RetryStore } from './replies/retry-store.js';
import { createReplyRouter, type ReplyRouter } from './replies/router.js';

export interface ServiceOptions {
  /** The application's handlers; the default rules answer whatever they leave. */
  readonly router?: ReplyRouter;
  /** Set false to answer `success` to whatever the router leaves unanswered. */
  readonly defaultRules?: boolean;
  readonly logger?: Logger;
  /** Where the access token is kept (default: in this process, or Redis with REDIS_URL). */
  readonly tokenStore?: TokenStore;
  /** Where the JS-SDK's jsapi ticket is kept (default: in this process, or Redis with REDIS_URL). */
  readonly ticketStore?: TokenStore;
  /** The clock of the access token and the jsapi ticket, injectable for tests. */
  readonly now?: () => number;
  /** Where WeChat's retries are recognised (default: in this process, or Redis with REDIS_URL). */
  readonly retryStore?: RetryStore;
}

/** Everything the routes share: logger, outbound API, stores, the responder. */
export interface Services {
  readonly logger: Logger;
  readonly api: WeChatApi | undefined;
  readonly retryStore: RetryStore;
  readonly responder: Responder;
  readonly checks: readonly HealthCheck[];
  /** Closes what the services opened (the Redis connection). */
  shutdown(): Promise<void>;
}

/** Builds the services from the configuration; with REDIS_URL, on Redis with a fallback. */
export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const logger = options.logger ?? createLogger(config.logLevel);
  const checks: HealthCheck[] = [];
  let tokenStore = options.tokenStore;
  let ticketStore = options.ticketStore;
  let retryStore = options.retryStore ?? createMemoryRetryStore({ maxBytes: config.retryMemoryMb * 1024 * 1024 });
  let shutdown = async (): Promise<void> => undefined;
  if (config.redisUrl !== undefined) {
    // Many instances, one token, one ticket and one retry memory; the process's own while Redis is down.
    const redis = connectRedis(config.redisUrl, config.appId, logger);
    checks.push(redis);
    tokenStore = tokenStoreWithFallback(redis, createRedisTokenStore(redis), tokenStore ?? createMemoryTokenStore());
    ticketStore = tokenStoreWithFallback(redis, createRedisTokenStore(redis, 'jsapi_ticket'), ticketStore ?? createMemoryTokenStore());
    // A retry on another instance waits for the first's answer as long as the deadline.
    retryStore = retryStoreWithFallback(redis, createRedisRetryStore(redis, config.replyTimeoutMs + 500), retryStore);
    shutdown = () => redis.close();
  }
  const api = createWeChatApi(config, { store: tokenStore, ticketStore, now: options.now, logger });
  const responder = createResponder({
    router: options.router ?? createReplyRouter(),
    defaultRules: options.defaultRules ?? true,
    fallbackReply: config.fallbackReply,
    timeoutMs: config.replyTimeoutMs,
    api: api?.client,
  });
  return { logger, api, retryStore, responder, checks, shutdown };
}
