import { timingSafeEqual } from 'node:crypto';
import { sameSecret, secretDigest } from '../core/same-secret.js';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { BlockList } from 'node:net';
import type { Account } from '../accounts/account.js';
import { perAccount } from './account-of.js';
import { createFailureCounter } from './failure-counter.js';
import { clientAddress, isLocalClient, throughUntrustedProxy } from './client-address.js';
import { createRejectionLog } from './rejection-log.js';

// `<scheme> <credentials>`: one space, nothing before, between or after (RFC 9110 §11.4).
const AUTHORIZATION = /^([A-Za-z]+) ([!-~]+)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The password an Authorization header carries: a Bearer token, or Basic's password.
 * Parsed strictly: anything but exactly one scheme and one credential (a Bearer token
 * followed by more text, Basic that is not base64) carries none.
 */
function presentedSecret(header: string | undefined): string | undefined {
  const parts = header === undefined ? null : AUTHORIZATION.exec(header);
  if (parts === null) return undefined;
  const [, scheme = '', credentials = ''] = parts;
  if (scheme.toLowerCase() === 'bearer') return credentials;
  if (scheme.toLowerCase() === 'basic' && BASE64.test(credentials)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/** Every route the admin guard protects, for the start-up warning and the docs. */
export const ADMIN_ROUTES = Object.freeze(['/api', '/qrcode', '/metrics', '/jssdk/demo', '/open/authorize']);

export interface AdminGuardOptions {
  /** Proxies whose `X-Forwarded-For` names the client (TRUST_PROXY); by default none. */
  readonly trustedProxies?: BlockList;
  /** Failed logins one client may make in a window before it must wait out the window. */
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly now?: () => number;
  /** The accounts whose API keys `withAccountKeys` lets in, each for its own account. */
  readonly accounts?: () => readonly Account[];
}

/**
 * The name of the key a request was let in with, for the log: `admin` for ADMIN_TOKEN,
 * `local` for a client on this machine while ADMIN_TOKEN is unset, an account key's
 * name (`orders-service`, or `<account>#<index>`). Never the key itself.
 */
export type CallerKey = string;

/** The key name the admin guard recorded for this response's request (`unknown` if it did not run). */
export function callerKeyOf(res: Response): CallerKey {
  const key: unknown = res.locals.callerKey;
  return typeof key === 'string' ? key : 'unknown';
}

/** The account the caller's key acts for, when it is an account's key (not ADMIN_TOKEN). */
export function callerAccountOf(res: Response): string | undefined {
  const account: unknown = res.locals.callerAccount;
  return typeof account === 'string' ? account : undefined;
}

function letIn(res: Response, key: CallerKey, next: NextFunction, account?: string): void {
  res.locals.callerKey = key;
  if (account !== undefined) res.locals.callerAccount = account;
  next();
}

/** Each account's key digests, made once per account object (a live edit makes a new one). */
const digestsOf = perAccount((account) => account.settings.apiKeys.map(({ name, key }) => ({ name, digest: secretDigest(key) })));

/** The account key `given` is, compared in constant time with every key (each comparison runs). */
function accountKeyOf(given: string, accounts: readonly Account[]): { account: string; name: string } | undefined {
  const presented = secretDigest(given);
  let found: { account: string; name: string } | undefined;
  for (const account of accounts) {
    for (const { name, digest: expected } of digestsOf(account)) {
      if (timingSafeEqual(presented, expected) && found === undefined) found = { account: account.name, name };
    }
  }
  return found;
}

/** The admin guard: ADMIN_TOKEN (or this machine) on every admin route, and account keys too on `/api`. */
export interface AdminGuard extends RequestHandler {
  /** Lets in ADMIN_TOKEN, and an account's API key for that account only (`callerAccountOf`). */
  readonly withAccountKeys: RequestHandler;
}

/**
 * Guards admin routes: `Authorization: Bearer <ADMIN_TOKEN>` or Basic with the token as
 * password (so a browser can open them). Without ADMIN_TOKEN, local clients only
 * (`isLocalClient`). Wrong credentials are logged, rate-limited; a client that sends
 * `maxFailures` wrong ones within a window gets 429 until the window ends, even with the
 * right token, so that guessing costs a window per `maxFailures` tries. One guard is
 * made per app and shared by its admin routes, so the count covers all of them.
 */
export function requireAdmin(adminToken: string | undefined, logger: Logger, options: AdminGuardOptions = {}): AdminGuard {
  const { maxFailures = 10, windowMs = 60_000, now = Date.now, trustedProxies = new BlockList(), accounts = () => [] } = options;
  const logRejection = createRejectionLog(logger);
  let warnedOfProxy = false;
  const failures = createFailureCounter({ maxFailures, windowMs, now });

  const guard = (keys: boolean) =>
    function adminAuth(req: Request, res: Response, next: NextFunction): void {
      const known = keys ? accounts() : [];
      const anyKeys = known.some((account) => account.settings.apiKeys.length > 0);
      if (adminToken === undefined && !anyKeys) {
        if (isLocalClient(req)) {
          letIn(res, 'local', next);
          return;
        }
        res.status(403).json({ error: 'ADMIN_TOKEN is not set: admin routes answer only clients on this machine, not through a proxy' });
        return;
      }
      const client = clientAddress(req, trustedProxies);
      const waitMs = failures.waitFor(client);
      if (waitMs > 0) {
        const seconds = Math.ceil(waitMs / 1000);
        res.set('Retry-After', String(seconds));
        res.status(429).json({ error: `too many failed admin logins from this client: try again in ${seconds} s` });
        return;
      }
      const given = presentedSecret(req.headers.authorization);
      if (given !== undefined && adminToken !== undefined && sameSecret(given, adminToken)) {
        letIn(res, 'admin', next);
        return;
      }
      const key = given === undefined || !anyKeys ? undefined : accountKeyOf(given, known);
      if (key !== undefined) {
        letIn(res, key.name, next, key.account);
        return;
      }
      if (adminToken === undefined && isLocalClient(req)) {
        letIn(res, 'local', next);
        return;
      }
      if (req.headers.authorization !== undefined) {
        if (!warnedOfProxy && throughUntrustedProxy(req, trustedProxies)) {
          warnedOfProxy = true;
          logger.warn(
            'admin requests come through a proxy that TRUST_PROXY does not name: failed logins are counted for the proxy, so one client’s wrong tries make every client behind it wait. Set TRUST_PROXY to the proxy’s address (127.0.0.1 for nginx on this machine)',
          );
        }
        failures.count(client);
        logRejection('admin-login-failed', 401, 'an admin login failed: wrong or malformed credentials');
      }
      res.set('WWW-Authenticate', 'Basic realm="wechat-oa-server admin", charset="UTF-8"');
      res.status(401).json({ error: 'admin credentials required: Bearer ADMIN_TOKEN, or Basic with ADMIN_TOKEN as password' });
    };
  return Object.assign(guard(false), { withAccountKeys: guard(true) });
}
