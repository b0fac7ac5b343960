import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { createWeChatApi, type WeChatApi } from './api/create-api.js';
import { createMemoryTokenStore, type TokenStore } from './api/token-store.js';
import type { Config } from './config.js';
import { requireAdmin } from './http/admin-auth.js';
import { qrCodeRoute } from './http/qrcode.js';
import { healthRoute, type HealthCheck } from './http/health.js';
import { createWebhook } from './http/webhook.js';
import { createLogger } from './logger.js';
import { createResponder } from './replies/respond.js';
import { connectRedis } from './redis/connection.js';
import { createRedisRetryStore } from './redis/redis-retry-store.js';
import { createRedisTokenStore } from './redis/redis-token-store.js';
import { retryStoreWithFallback, tokenStoreWithFallback } from './redis/with-fallback.js';
import { createMemoryRetryStore, type RetryStore } from './replies/retry-store.js';
import { createReplyRouter, type ReplyRouter } from './replies/router.js';

export interface AppOptions {
  /** The application's handlers; the default rules answer whatever they leave. */
  readonly router?: ReplyRouter;
  /** Set false to answer `success` to whatever the router leaves unanswered. */
  readonly defaultRules?: boolean;
  readonly logger?: Logger;
  /** Where the access token is kept (default: in this process). */
  readonly tokenStore?: TokenStore;
  /** The clock of the access token, injectable for tests. */
  readonly now?: () => number;
  /** Where WeChat's retries are recognised (default: in this process, bounded). */
  readonly retryStore?: RetryStore;
}

/** The Express app, plus what must be closed when the server stops (Redis). */
export interface WeChatApp extends Express {
  shutdown(): Promise<void>;
}

/** Wires the configuration, handlers and routes into an Express app. Listens on nothing. */
export function createApp(config: Config, options: AppOptions = {}): WeChatApp {
  const logger = options.logger ?? createLogger(config.logLevel);
  const checks: HealthCheck[] = [];
  let tokenStore = options.tokenStore;
  let retryStore = options.retryStore ?? createMemoryRetryStore();
  let shutdown = async (): Promise<void> => undefined;
  if (config.redisUrl !== undefined) {
    // Many instances, one token and one retry memory; the process's own while Redis is down.
    const redis = connectRedis(config.redisUrl, config.appId, logger);
    checks.push(redis);
    tokenStore = tokenStoreWithFallback(redis, createRedisTokenStore(redis), tokenStore ?? createMemoryTokenStore());
    retryStore = retryStoreWithFallback(redis, createRedisRetryStore(redis), retryStore);
    shutdown = () => redis.close();
  }
  const api: WeChatApi | undefined = createWeChatApi(config, { store: tokenStore, now: options.now, logger });
  if (config.adminToken === undefined) {
    logger.warn('ADMIN_TOKEN is not set: admin routes (/qrcode) answer only clients on this machine');
  }
  const responder = createResponder({
    router: options.router ?? createReplyRouter(),
    defaultRules: options.defaultRules ?? true,
    fallbackReply: config.fallbackReply,
    timeoutMs: config.replyTimeoutMs,
    api: api?.client,
  });
  const webhook = createWebhook({ config, responder, retryStore, logger });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  app.get(config.wechatPath, webhook.verifyServer);
  app.post(config.wechatPath, webhook.receiveMessage);
  app.get('/healthz', healthRoute(checks));
  app.get('/qrcode', requireAdmin(config.adminToken), qrCodeRoute(api, logger));

  app.use(function notFound(_req: Request, res: Response) {
    res.status(404).type('text/plain').send('not found\n');
  });
  app.use(function errorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction) {
    const status = (error as { status?: unknown }).status;
    if (typeof status === 'number' && status >= 400 && status < 500) {
      res.status(status).type('text/plain').send('bad request\n');
      return;
    }
    logger.error({ err: error }, 'unexpected error');
    if (!res.headersSent) res.status(500).type('text/plain').send('internal error\n');
  });
  return Object.assign(app, { shutdown });
}
