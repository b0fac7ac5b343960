import type { Logger } from 'pino';
import { createWeChatApi, type WeChatApi } from './wechat-api/create-api.js';
import { createMemoryTokenStore, type TokenStore } from './wechat-api/token-store.js';
import type { Config } from './core/config.js';
import type { HealthCheck } from './core/health-check.js';
import { createLogger } from './core/logger.js';
import { createMetrics, type Metrics } from './core/metrics.js';
import { connectRedis } from './redis/connection.js';
import { createRedisRetryStore } from './redis/redis-retry-store.js';
import { createRedisTokenStore } from './redis/redis-token-store.js';
import { createRedisSeenSignatures } from './redis/redis-seen-signatures.js';
import { createRedisUsedStates } from './redis/redis-used-states.js';
import { createMemoryUsedStates, type MemoryUsedStates, type UsedStates } from './replay-memory/used-states.js';
import { uploadMedia, type MediaFile, type MediaType } from './wechat-api/media.js';
import { createMediaCache, createMemoryMediaIdStore, type MediaIdStore } from './replies-file/media-cache.js';
import { uploadsWithoutCredentials } from './replies-file/media-files.js';
import { createRedisMediaIdStore } from './redis/redis-media-ids.js';
import {
  mediaIdStoreWithFallback,
  retryStoreWithFallback,
  seenSignaturesWithFallback,
  sessionStoreWithFallback,
  tokenStoreWithFallback,
  usedStatesWithFallback,
} from './redis/with-fallback.js';
import { createResponder, type Responder } from './replies/respond.js';
import { createMemoryRetryStore, type RetryStore } from './replay-memory/retry-store.js';
import { createReplyRouter, type ReplyRouter } from './replies/router.js';
import { withRepliesFile } from './replies-file/router.js';
import { watchRepliesFile } from './replies-file/watch.js';
import { createMemorySeenSignatures, type SeenSignatures } from './replay-memory/seen-signatures.js';
import { createMemorySessionStore, type SessionStore } from './replies/session-store.js';
import { createRedisSessionStore } from './redis/redis-session-store.js';

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
  /** The process's memory of used OAuth states (default: createMemoryUsedStates; with REDIS_URL, Redis too). */
  readonly usedStates?: MemoryUsedStates;
}

/** Everything the routes share: logger, outbound API, stores, the responder. */
export interface Services {
  readonly logger: Logger;
  readonly api: WeChatApi | undefined;
  readonly retryStore: RetryStore;
  /** The signatures of recent POSTs, against replays. */
  readonly seenSignatures: SeenSignatures;
  /** The OAuth states already used (each works once). */
  readonly usedStates: UsedStates;
  /** The clock of the access token and the OAuth state. */
  readonly now: () => number;
  readonly responder: Responder;
  readonly checks: readonly HealthCheck[];
  /** The counters of `/metrics`, in this app's own registry. */
  readonly metrics: Metrics;
  /** Closes what the services opened (the Redis connection). */
  shutdown(): Promise<void>;
}

/** Builds the services from the configuration; with REDIS_URL, on Redis with a fallback. */
export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const logger = options.logger ?? createLogger(config.logLevel);
  // First: a replies file that does not validate stops the start before anything opens.
  const replies = config.repliesFile === undefined ? undefined : watchRepliesFile(config.repliesFile, logger);
  const checks: HealthCheck[] = [];
  let tokenStore = options.tokenStore;
  let ticketStore = options.ticketStore;
  let retryStore = options.retryStore ?? createMemoryRetryStore({ maxBytes: config.retryMemoryMb * 1024 * 1024 });
  let seenSignatures: SeenSignatures = createMemorySeenSignatures();
  const now = options.now ?? Date.now;
  const localUsedStates = options.usedStates ?? createMemoryUsedStates({ now });
  let usedStates: UsedStates = localUsedStates;
  let mediaIds: MediaIdStore = createMemoryMediaIdStore();
  const sessionTtlMs = config.sessionTtlS * 1000;
  let sessions: SessionStore = createMemorySessionStore({ ttlMs: sessionTtlMs, now });
  let shutdown = async (): Promise<void> => undefined;
  if (config.redisUrl !== undefined) {
    // Many instances, one token, one ticket and one retry memory; the process's own while Redis is down.
    const redis = connectRedis(config.redisUrl, config.appId, logger);
    checks.push(redis);
    tokenStore = tokenStoreWithFallback(redis, createRedisTokenStore(redis), tokenStore ?? createMemoryTokenStore());
    ticketStore = tokenStoreWithFallback(redis, createRedisTokenStore(redis, 'jsapi_ticket'), ticketStore ?? createMemoryTokenStore());
    // A retry on another instance waits for the first's answer, never past the deadline.
    const sharedRetries = createRedisRetryStore(redis, config.replyTimeoutMs);
    retryStore = retryStoreWithFallback(redis, sharedRetries, retryStore);
    seenSignatures = seenSignaturesWithFallback(redis, createRedisSeenSignatures(redis), createMemorySeenSignatures());
    usedStates = usedStatesWithFallback(redis, createRedisUsedStates(redis), localUsedStates);
    mediaIds = mediaIdStoreWithFallback(redis, createRedisMediaIdStore(redis), mediaIds);
    sessions = sessionStoreWithFallback(redis, createRedisSessionStore(redis, sessionTtlMs), sessions);
    shutdown = () => {
      sharedRetries.close();
      return redis.close();
    };
  }
  const metrics = createMetrics({ redis: checks.find((check) => check.name === 'redis') });
  const api = createWeChatApi(config, { store: tokenStore, ticketStore, now: options.now, logger, metrics });
  const uploads = replies?.mediaFiles() ?? [];
  if (api === undefined && uploads.length > 0) logger.warn(uploadsWithoutCredentials(uploads));
  // The replies file's own images, voices and videos: uploaded once, their media ids shared.
  const client = api?.client;
  const upload = client === undefined ? undefined : (type: MediaType, file: MediaFile) => uploadMedia(client, type, file);
  const media = createMediaCache({ upload, store: mediaIds, logger, now });
  const responder = createResponder({
    router:
      replies === undefined
        ? (options.router ?? createReplyRouter())
        : withRepliesFile(options.router ?? createReplyRouter(), replies, media),
    sessions,
    defaultRules: options.defaultRules ?? true,
    fallbackReply: config.fallbackReply,
    timeoutMs: config.replyTimeoutMs,
    api: api?.client,
  });
  const closeAll = async (): Promise<void> => {
    replies?.close();
    // Replies still on their way go out before the connections they need are closed.
    await responder.settled();
    await shutdown();
  };
  return { logger, api, retryStore, seenSignatures, usedStates, now, responder, checks, metrics, shutdown: closeAll };
}
