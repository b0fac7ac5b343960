import { fileURLToPath } from 'node:url';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { BlockList } from 'node:net';
import type { AccountSet } from '../accounts/account-set.js';
import type { AccountOf } from '../http/account-of.js';
import { clientAddress, isLocalClient } from '../http/client-address.js';
import { errorMiddleware } from '../http/error-middleware.js';
import { createFailureCounter } from '../http/failure-counter.js';
import { createRejectionLog } from '../http/rejection-log.js';
import { consoleApi } from './console-api.js';
import { requireCsrf, requireSession, sameOrigin, sessionCookie, sessionIdOf, signInKeys, type SignInKeys } from './console-access.js';
import { consoleShell, localOnlyPage, signInPage, type SignInNotice } from './console-pages.js';
import type { ConsoleSessions } from './console-sessions.js';
import type { InstanceRegistry } from './instances.js';
import type { LiveFeed } from './live-feed.js';
import type { Overview } from './overview.js';
import type { Account } from '../accounts/account.js';

/** The bundle `npm run build` writes (scripts/build-console.ts): beside dist/, from src/ and dist/ alike. */
const ASSETS_DIR = fileURLToPath(new URL('../../dist/console-ui/', import.meta.url));

/** Failed sign-ins one client may make in 15 minutes before it must wait. */
const MAX_FAILURES = 5;
const FAILURE_WINDOW_MS = 15 * 60 * 1000;

/**
 * Every console page: scripts and styles from this server only (no inline script, no
 * eval), data from this server only, no frame, forms posted here only.
 */
const consoleSecurity = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // Not no-referrer: under it a browser posts forms with `Origin: null`, which the origin check must refuse.
  referrerPolicy: { policy: 'same-origin' },
});

export interface ConsoleOptions {
  readonly adminToken: string | undefined;
  readonly publicUrl: string | undefined;
  readonly trustedProxies: BlockList;
  readonly accounts: AccountSet;
  readonly accountOf: AccountOf;
  readonly sessions: ConsoleSessions;
  readonly overviewOf: (account: Account, accounts: number) => Promise<Overview>;
  readonly liveFeed: LiveFeed;
  readonly instances: InstanceRegistry;
  readonly fallbackReply: string;
  /** Where the publishing page finds the article files (ARTICLES_DIR). */
  readonly articlesDir: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

/** Without credentials configured, a client that is not on this machine gets nothing but a page saying so. */
function onlyLocalWithoutKeys(keys: SignInKeys) {
  return function localOnly(req: Request, res: Response, next: NextFunction): void {
    if (keys.none && !isLocalClient(req)) {
      res.status(403).type('html').send(localOnlyPage());
      return;
    }
    next();
  };
}

/** `/console`: the sign-in, the pages' shell and assets, and `/console/api`, for sessions. */
export function consoleRoutes(options: ConsoleOptions): Router {
  const { sessions, logger, publicUrl, trustedProxies } = options;
  const keys = signInKeys(options.adminToken, options.accounts.all);
  const secure = publicUrl?.startsWith('https://') ?? false;
  const failures = createFailureCounter({ maxFailures: MAX_FAILURES, windowMs: FAILURE_WINDOW_MS, now: options.now });
  const logRejection = createRejectionLog(logger);
  const router = express.Router();

  router.use('/assets', express.static(ASSETS_DIR, { index: false, fallthrough: false, maxAge: 0 }));
  router.use(consoleSecurity, onlyLocalWithoutKeys(keys));

  const local = (req: Request): boolean => keys.none && isLocalClient(req);
  const form = express.urlencoded({ extended: false, limit: '8kb' });

  router.post('/login', sameOrigin(publicUrl), form, async (req: Request, res: Response) => {
    const client = clientAddress(req, trustedProxies);
    const waitMs = failures.waitFor(client);
    const page = (status: number, notice: SignInNotice): void => {
      res
        .status(status)
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(signInPage(notice, local(req)));
    };
    if (waitMs > 0) {
      const seconds = Math.ceil(waitMs / 1000);
      res.set('Retry-After', String(seconds));
      page(429, { kind: 'locked', seconds });
      return;
    }
    const body = req.body as Record<string, unknown> | undefined;
    const token = typeof body?.token === 'string' ? body.token : '';
    const who = local(req) ? { key: 'local', account: undefined, fingerprint: '' } : token === '' ? undefined : keys.identify(token);
    if (who === undefined) {
      failures.count(client);
      logRejection('console-login-failed', 401, 'a console sign-in failed: wrong token');
      page(401, { kind: 'wrong-token' });
      return;
    }
    // A new session at each sign-in; the one the browser had (if any) ends.
    const previous = sessionIdOf(req);
    if (previous !== undefined) await sessions.end(previous);
    const { id } = await sessions.create(who);
    logger.info({ key: who.key, account: who.account }, 'console: signed in');
    res.set('Set-Cookie', sessionCookie(id, secure)).redirect(303, '/console');
  });

  const pages = requireSession(sessions, keys, (req, res) => {
    if (req.path === '/' || req.path === '') {
      res
        .status(200)
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(signInPage(undefined, local(req)));
    } else {
      res.redirect(303, '/console');
    }
  });
  const data = requireSession(sessions, keys, (_req, res) => {
    res.status(401).json({ error: 'sign in to the console first' });
  });

  router.post('/logout', sameOrigin(publicUrl), form, pages, requireCsrf, async (_req: Request, res: Response) => {
    const id = res.locals.consoleSessionId as string;
    await sessions.end(id);
    logger.info({ key: res.locals.callerKey as string }, 'console: signed out');
    res.set('Set-Cookie', sessionCookie(undefined, secure)).redirect(303, '/console');
  });

  router.use('/api', sameOrigin(publicUrl), data, consoleApi(options));

  router.get('/', pages, (_req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').type('html').send(consoleShell());
  });
  router.use(pages, (_req: Request, res: Response) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  router.use(errorMiddleware({ logger, what: 'console request failed', context: { callerInputToWeChat: true } }));
  return router;
}
