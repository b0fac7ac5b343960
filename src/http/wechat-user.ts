import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Config } from '../core/config.js';
import { ConfigError, NotSignedInError } from '../core/errors.js';
import { errorResponse, sendJsonError } from './error-response.js';
import { readCookie } from './signed-cookie.js';
import { createUserCookie, USER_COOKIE, type WeChatUser } from './user-cookie.js';

/** The user each request's cookie names (null: none), once `wechatUsers` has read it. */
const users = new WeakMap<Request, WeChatUser | null>();

/**
 * Reads the user cookie that `/oauth/callback` wrote, on every request: mount it before
 * the routes that call `wechatUser(req)` or `requireWeChatUser()`. The key is derived
 * from the AppSecret as the server's is, so an app with the same configuration reads
 * the cookie the server (or any of its instances) wrote.
 */
export function wechatUsers(config: Pick<Config, 'appSecret'>, options: { readonly now?: () => number } = {}): RequestHandler {
  if (config.appSecret === undefined) {
    throw new ConfigError(
      'WECHAT_APPSECRET',
      'wechatUsers(config) needs WECHAT_APPSECRET: the user cookie is signed with a key derived from it',
    );
  }
  const cookie = createUserCookie(config.appSecret);
  const now = options.now ?? Date.now;
  return function readWeChatUser(req: Request, _res: Response, next: NextFunction): void {
    users.set(req, cookie.open(readCookie(req.headers.cookie, USER_COOKIE), now()) ?? null);
    next();
  };
}

/** The WeChat user the request's cookie names, or undefined (none, altered, foreign or expired). */
export function wechatUser(req: Request): WeChatUser | undefined {
  const user = users.get(req);
  if (user === undefined)
    throw new TypeError('wechatUser(req): mount wechatUsers(config) before this route, e.g. app.use(wechatUsers(config))');
  return user ?? undefined;
}

export interface RequireWeChatUserOptions {
  /**
   * `userinfo` (the default) wants the nickname and avatar, and sends a user signed in
   * with `base` through WeChat again; `base` is content with the openid (silent).
   */
  readonly scope?: 'base' | 'userinfo';
  /** Where the server's `/oauth` is on this origin (default `/oauth`). */
  readonly oauthPath?: string;
}

/**
 * Lets a request with a WeChat user through; sends a browser without one through
 * `/oauth?next=<this URL's path and query>` (302), and answers any other method 401.
 */
export function requireWeChatUser(options: RequireWeChatUserOptions = {}): RequestHandler {
  const scope = options.scope ?? 'userinfo';
  const oauthPath = options.oauthPath ?? '/oauth';
  return function requireUser(req: Request, res: Response, next: NextFunction): void {
    const user = wechatUser(req);
    if (user !== undefined && (scope === 'base' || user.scope === 'snsapi_userinfo')) {
      next();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJsonError(res, errorResponse(new NotSignedInError('no signed-in WeChat user: open this page inside WeChat first')));
      return;
    }
    const query = new URLSearchParams({ next: req.originalUrl, ...(scope === 'base' ? { scope } : {}) });
    res.set('Cache-Control', 'no-store');
    res.redirect(302, `${oauthPath}?${query.toString()}`);
  };
}
