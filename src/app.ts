import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Registry } from 'prom-client';
import type { Config } from './core/config.js';
import { ADMIN_ROUTES, requireAdmin } from './http/admin-auth.js';
import { trustedProxies } from './http/client-address.js';
import { apiRoutes } from './http/service-api/api-routes.js';
import { errorMiddleware, textFailure } from './http/error-middleware.js';
import { healthRoute, livenessRoute } from './http/health.js';
import { jssdkRoutes } from './http/jssdk.js';
import { jssdkDemoRoute } from './http/jssdk-demo.js';
import { metricsRoute } from './http/metrics.js';
import { verifyFileRoute } from './http/verify-file.js';
import { openEventsRoute } from './http/open-events.js';
import { OPEN_MESSAGES_PREFIX, openMessagesAppId, openMessagesRoute } from './http/open-messages.js';
import { openAuthorizeRoutes } from './http/open-authorize.js';
import { oauthRoutes } from './http/oauth.js';
import { pageSecurity } from './http/page-security.js';
import { qrCodeRoute } from './http/qrcode.js';
import { createLimitedServer } from './http/server-limits.js';
import { createWebhook } from './http/webhook.js';
import { webhookRouter } from './http/wechat-middleware.js';
import type { ApiClient } from './wechat-api/client.js';
import { findAuthorisedElsewhere, selectAccount } from './http/account-selection.js';
import { webhookAccount, webhookAccountLoosely } from './http/webhook-path.js';
import type { AccountSet } from './accounts/account-set.js';
import type { Account } from './accounts/account.js';
import { ConfigError } from './core/errors.js';
import { consoleRoutes } from './console/console-routes.js';
import { createConsoleSessions } from './console/console-sessions.js';
import { createInstanceRegistry } from './console/instances.js';
import { createLiveFeed } from './console/live-feed.js';
import { createOverview } from './console/overview.js';
import { createServices, type ServiceOptions, type Services } from './services.js';

/** What createApp and wechatMiddleware take besides the configuration: the handlers, stores, logger, clock. */
export type { ServiceOptions as AppOptions } from './services.js';

/**
 * The server's request listener. WeChat's calls to WECHAT_PATH go straight to the
 * webhook; everything else goes to the Express app (`express`).
 */
export interface WeChatApp {
  (req: IncomingMessage, res: ServerResponse): void;
  /** The Express app serving every other route (and the webhook too, for its variants). */
  readonly express: Express;
  /** Starts an HTTP server on this listener, as Express's `app.listen` does, with SERVER_LIMITS. */
  listen(port?: number, host?: string, callback?: () => void): Server;
  /** The registry `/metrics` serves: this app's own, to which an application may add its metrics. */
  readonly metrics: Registry;
  /** Closes what the app opened (the Redis connection). */
  shutdown(): Promise<void>;
}

/** Wires the configuration, handlers and routes into an app. Listens on nothing. */
export function createApp(config: Config, options: ServiceOptions = {}): WeChatApp {
  const services = createServices(config, options);
  const { server, accounts } = services;
  const { logger } = server;
  // Every route but the webhook names its account (?account= or X-WeChat-Account), or gets the only one.
  const accountOf = selectAccount(accounts);
  if (config.adminToken === undefined) {
    logger.warn(
      `ADMIN_TOKEN is not set: the admin routes (${ADMIN_ROUTES.join(', ')}) and the console (/console, unless an account has a console key) answer only clients on this machine that do not come through a proxy`,
    );
  }
  const admin = requireAdmin(config.adminToken, logger, { trustedProxies: trustedProxies(config.trustProxy), accounts: accounts.all });
  const liveFeed = createLiveFeed(logger);
  const instances = createInstanceRegistry({ redis: server.redis, accounts: accounts.all, logger });
  const webhook = createWebhook(config, logger, liveFeed);
  const notFound = (res: ServerResponse): void => {
    res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' }).end('not found\n');
  };
  // The open platform's authorised accounts: their messages at /open/messages/<appid>.
  const { authorized, openPlatform } = services;
  const openMessages =
    authorized === undefined || config.component === undefined
      ? undefined
      : openMessagesRoute({ authorized, componentToken: config.component.token, receive: webhook.receiveMessage, notFound });

  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');

  // The webhook inside Express too, for an app that mounts `app.express` in a server of its own.
  app.use(function webhookRoute(req: Request, res: Response, next: NextFunction) {
    const { method } = req;
    if (method === 'POST' && openMessages !== undefined && req.path.startsWith(OPEN_MESSAGES_PREFIX)) {
      void openMessages(req, res, openMessagesAppId(req.path));
      return;
    }
    const account =
      method === 'POST' || method === 'GET' || method === 'HEAD' ? webhookAccountLoosely(accounts, config.wechatPath, req.path) : null;
    if (account === null) next();
    else if (account === undefined) notFound(res);
    else if (method === 'POST') void webhook.receiveMessage(req, res, account);
    else webhook.verifyServer(req, res, account);
  });
  app.use(verifyFileRoute(config.verifyFilesDir));
  // The open platform's pushes: a few an hour, so Express's cost does not matter here.
  if (openPlatform !== undefined && config.component !== undefined) {
    const { component, signatureMaxAgeS } = config;
    app.post('/open/events', openEventsRoute({ component, platform: openPlatform, signatureMaxAgeS, logger }));
    app.use('/open/authorize', pageSecurity, admin, openAuthorizeRoutes({ platform: openPlatform, publicUrl: config.publicUrl, logger }));
  }
  if (authorized !== undefined) app.use(findAuthorisedElsewhere(accounts, (appId) => authorized.refresh(appId)));
  app.get('/livez', livenessRoute());
  app.get('/healthz', healthRoute(server.checks));
  // Each family of routes ends in its own error middleware (http/error-middleware.ts),
  // which answers whatever its routes throw as the family does: JSON, pages.
  app.get('/qrcode', pageSecurity, admin, ...qrCodeRoute(accountOf, logger));
  app.use('/oauth', oauthRoutes(accountOf, config.publicUrl, logger, server.now));
  app.use('/api', apiRoutes(accountOf, admin.withAccountKeys, logger, config.articlesDir));
  app.use('/jssdk', jssdkRoutes(accountOf, logger));
  app.get('/jssdk/demo', admin, ...jssdkDemoRoute());
  app.get('/metrics', admin, metricsRoute(server.metrics, accounts));
  app.use(
    '/console',
    consoleRoutes({
      adminToken: config.adminToken,
      publicUrl: config.publicUrl,
      trustedProxies: trustedProxies(config.trustProxy),
      accounts,
      accountOf,
      sessions: createConsoleSessions({ redis: server.redis?.redis, now: server.now }),
      overviewOf: createOverview(server.metrics, server.redis, server.now(), server.now),
      liveFeed,
      instances,
      fallbackReply: config.fallbackReply,
      articlesDir: config.articlesDir,
      logger,
      now: server.now,
    }),
  );

  app.use(function notFound(_req: Request, res: Response) {
    res.status(404).type('text/plain').send('not found\n');
  });
  app.use(errorMiddleware({ logger, what: 'unexpected error', render: textFailure }));

  // WeChat's hot path skips Express's router and its per-request set-up: measured,
  // they cost more than everything the webhook itself does (BENCHMARKS.md).
  // WECHAT_PATH is the only account (or `default`); WECHAT_PATH/<name or AppID> each account.
  const listener = function wechatApp(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const method = req.method;
    if (method === 'POST' || method === 'GET' || method === 'HEAD') {
      const path = mark === -1 ? url : url.slice(0, mark);
      if (method === 'POST' && openMessages !== undefined && path.startsWith(OPEN_MESSAGES_PREFIX)) {
        void openMessages(req, res, openMessagesAppId(path));
        return;
      }
      const account = webhookAccount(accounts, config.wechatPath, path);
      if (account === undefined) {
        notFound(res);
        return;
      }
      if (account !== null) {
        if (method === 'POST') void webhook.receiveMessage(req, res, account);
        else webhook.verifyServer(req, res, account);
        return;
      }
    }
    app(req, res);
  };
  return withLazyMetrics(
    Object.assign(listener, {
      express: app,
      listen: (port?: number, host?: string, callback?: () => void) => createLimitedServer(listener).listen(port, host, callback),
      shutdown: async () => {
        instances.close();
        await services.shutdown();
      },
    }),
    services,
  );
}

/** Adds `metrics` as a getter: the registry (and prom-client) is made when first read. */
function withLazyMetrics<T extends object>(target: T, services: Services): T & { readonly metrics: Registry } {
  return Object.defineProperty(target, 'metrics', { enumerable: true, get: () => services.server.metrics.registry }) as T & {
    readonly metrics: Registry;
  };
}

/** The webhook as a router to mount in an Express app of one's own. */
export interface WeChatMiddleware extends Router {
  /** WeChat's API client (as a handler's `context.api`), when AppID and AppSecret are configured. */
  readonly api: ApiClient | undefined;
  /** The webhook's counters (`wechat_messages_total`, …) and Node's, to serve from a route of yours. */
  readonly metrics: Registry;
  /** Closes what the middleware opened (the Redis connection). */
  shutdown(): Promise<void>;
}

/**
 * WeChat's webhook (GET verification, POST messages) for an app of your own:
 * `app.use('/wechat', wechatMiddleware(config, { router }))`. Mount it before any body
 * parser: it reads the raw body itself. `config.wechatPath` is not used.
 */
export function wechatMiddleware(config: Config, options: ServiceOptions = {}): WeChatMiddleware {
  // The third-party platform needs createApp's /open routes: the middleware serves the one account only.
  const services = createServices({ ...config, component: undefined }, options);
  return withLazyMetrics(
    Object.assign(webhookRouter(config, onlyAccount(services.accounts), services.server.logger), {
      api: onlyAccount(services.accounts).api?.client,
      shutdown: services.shutdown,
    }),
    services,
  );
}

/** The middleware serves one account: the `WECHAT_*` one (an accounts file is for the server). */
function onlyAccount(accounts: AccountSet): Account {
  const account = accounts.fallback();
  if (account === undefined) throw new ConfigError('ACCOUNTS_FILE', 'wechatMiddleware serves one account: use createApp for several');
  return account;
}
