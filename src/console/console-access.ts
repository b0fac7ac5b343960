import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { parse as parseCookies, serialize } from 'cookie';
import type { Account } from '../accounts/account.js';
import { sameSecret, secretDigest } from '../core/same-secret.js';
import { perAccount } from '../http/account-of.js';
import type { ConsoleSession, ConsoleSessions } from './console-sessions.js';
import { SESSION_MAX_MS } from './console-sessions.js';

export const SESSION_COOKIE = 'wechat_console';

/** Who may sign in: ADMIN_TOKEN, or a key of an account's `api_keys` marked `console: true`. */
export interface SignInKeys {
  /** The key `token` is, compared in constant time with every key; undefined for none. */
  identify(token: string): SignedInKey | undefined;
  /** Whether the key a session was opened with is still configured, unchanged. */
  stillValid(session: ConsoleSession): boolean;
  /** True when neither ADMIN_TOKEN nor any console key is set: the console serves this machine only. */
  readonly none: boolean;
}

/** A key that signed in: its name for the audit lines, its account (none for ADMIN_TOKEN), its fingerprint. */
export interface SignedInKey {
  readonly key: string;
  readonly account: string | undefined;
  readonly fingerprint: string;
}

/**
 * A key's fingerprint, kept in the session so that a changed or removed key ends the
 * sessions it opened: 16 hex digits of a hash of purpose and key, which reveal nothing
 * usable about a key of the length the accounts file requires.
 */
const fingerprintOf = (key: string): string => createHash('sha256').update(`wechat-console-session\0${key}`).digest('hex').slice(0, 16);

const consoleKeysOf = perAccount((account: Account) =>
  account.settings.apiKeys
    .filter((key) => key.console)
    .map(({ name, key }) => ({ name, digest: secretDigest(key), fingerprint: fingerprintOf(key) })),
);

export function signInKeys(adminToken: string | undefined, accounts: () => readonly Account[]): SignInKeys {
  const adminFingerprint = adminToken === undefined ? undefined : fingerprintOf(adminToken);
  return {
    identify(token) {
      if (adminToken !== undefined && sameSecret(token, adminToken)) {
        return { key: 'admin', account: undefined, fingerprint: adminFingerprint ?? '' };
      }
      const presented = secretDigest(token);
      let found: SignedInKey | undefined;
      for (const account of accounts()) {
        for (const { name, digest, fingerprint } of consoleKeysOf(account)) {
          if (timingSafeEqual(presented, digest) && found === undefined) found = { key: name, account: account.name, fingerprint };
        }
      }
      return found;
    },
    stillValid(session) {
      if (session.account === undefined)
        return session.key === 'local' ? adminToken === undefined : session.fingerprint === adminFingerprint;
      const account = accounts().find((candidate) => candidate.name === session.account);
      return (
        account !== undefined && consoleKeysOf(account).some((key) => key.name === session.key && key.fingerprint === session.fingerprint)
      );
    },
    get none() {
      return adminToken === undefined && !accounts().some((account) => consoleKeysOf(account).length > 0);
    },
  };
}

/** The session cookie's id, when the request carries one. */
export function sessionIdOf(req: Request): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  const id = parseCookies(header)[SESSION_COOKIE];
  return id === undefined || id === '' ? undefined : id;
}

/** The Set-Cookie of a session (`id`), or of its end (undefined): HttpOnly, SameSite=Strict, Secure behind https. */
export function sessionCookie(id: string | undefined, secure: boolean): string {
  return serialize(SESSION_COOKIE, id ?? '', {
    httpOnly: true,
    sameSite: 'strict',
    secure,
    path: '/console',
    maxAge: id === undefined ? 0 : SESSION_MAX_MS / 1000,
  });
}

/** The session `requireSession` found for this response's request. */
export function sessionOf(res: Response): ConsoleSession {
  const session = res.locals.consoleSession as ConsoleSession | undefined;
  if (session === undefined) throw new Error('sessionOf: requireSession did not run');
  return session;
}

/**
 * Finds the request's session, and lets the admin guard's account selection see who it
 * is (`callerKey`, `callerAccount`): an account key's session acts for its account only.
 * Without one: `onMissing` answers (401 for data, 303 for pages).
 */
export function requireSession(sessions: ConsoleSessions, keys: SignInKeys, onMissing: (req: Request, res: Response) => void) {
  return async function consoleSession(req: Request, res: Response, next: NextFunction): Promise<void> {
    const id = sessionIdOf(req);
    const session = id === undefined ? undefined : await sessions.find(id);
    if (session === undefined || id === undefined || !keys.stillValid(session)) {
      if (session !== undefined && id !== undefined) await sessions.end(id);
      onMissing(req, res);
      return;
    }
    res.locals.consoleSession = session;
    res.locals.consoleSessionId = id;
    res.locals.callerKey = session.key;
    if (session.account !== undefined) res.locals.callerAccount = session.account;
    next();
  };
}

/** A change must carry the session's CSRF token: the X-CSRF-Token header or a `_csrf` form field. */
export function requireCsrf(req: Request, res: Response, next: NextFunction): void {
  const header = req.headers['x-csrf-token'];
  const field: unknown = typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>)._csrf : undefined;
  const given = typeof header === 'string' ? header : typeof field === 'string' ? field : undefined;
  if (given === undefined || !sameSecret(given, sessionOf(res).csrf)) {
    res.status(403).json({ error: 'a change needs the session’s CSRF token (X-CSRF-Token header or _csrf field)' });
    return;
  }
  next();
}

/**
 * A change from another site is refused: an `Origin` that is neither PUBLIC_URL's nor the
 * request's own host. A request without `Origin` (not a browser's) passes to the next check.
 */
export function sameOrigin(publicUrl: string | undefined) {
  const allowed = publicUrl === undefined ? undefined : new URL(publicUrl).origin;
  return function checkOrigin(req: Request, res: Response, next: NextFunction): void {
    const origin = req.headers.origin;
    if (origin === undefined || origin === allowed) {
      next();
      return;
    }
    let host: string | undefined;
    try {
      host = new URL(origin).host;
    } catch {
      host = undefined;
    }
    if (host !== undefined && host === req.headers.host) {
      next();
      return;
    }
    res.status(403).type('text/plain').send('a change from another site is refused\n');
  };
}
