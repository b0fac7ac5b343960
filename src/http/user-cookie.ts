import type { OAuthScope } from '../wechat-api/oauth.js';
import { createSignedCookie } from './signed-cookie.js';

/** The WeChat user a browser signed in as, as the user cookie names them. */
export interface WeChatUser {
  readonly openid: string;
  /** With `snsapi_userinfo` only. */
  readonly nickname?: string;
  /** With `snsapi_userinfo` only, and only an http(s) URL. */
  readonly headimgurl?: string;
  /** What the user was signed in with: `snsapi_base` yields the openid only. */
  readonly scope: OAuthScope;
}

/** The signed cookie that names the user, written by `/oauth/callback`. */
export const USER_COOKIE = 'wechat_user';

/** How long the user cookie names the user. */
export const USER_TTL_MS = 2 * 60 * 60 * 1000;

/** The purpose label of the user cookie's key (derived from the AppSecret). */
const PURPOSE = 'wechat-oauth-user';

/** Bounds on what WeChat hands over, so that the cookie stays well under a browser's 4 KB. */
const MAX_NICKNAME_CHARS = 100;
const MAX_URL_CHARS = 1024;

export interface UserCookie {
  /** The cookie value naming `user` until `now` + 2 hours. */
  seal(user: WeChatUser, now: number): string;
  /** The user, when `cookie` was sealed with this key, unaltered, and has not expired. */
  open(cookie: string | undefined, now: number): WeChatUser | undefined;
}

function bounded(user: WeChatUser): WeChatUser {
  const nickname = user.nickname === undefined ? undefined : [...user.nickname].slice(0, MAX_NICKNAME_CHARS).join('');
  const { headimgurl } = user;
  const image = headimgurl !== undefined && headimgurl.length <= MAX_URL_CHARS && /^https?:\/\//i.test(headimgurl) ? headimgurl : undefined;
  return {
    openid: user.openid,
    ...(nickname === undefined ? {} : { nickname }),
    ...(image === undefined ? {} : { headimgurl: image }),
    scope: user.scope,
  };
}

function readUser(fields: Readonly<Record<string, unknown>>): WeChatUser | undefined {
  const { openid, nickname, headimgurl, scope } = fields;
  if (typeof openid !== 'string' || openid === '') return undefined;
  if (scope !== 'snsapi_base' && scope !== 'snsapi_userinfo') return undefined;
  return {
    openid,
    ...(typeof nickname === 'string' ? { nickname } : {}),
    ...(typeof headimgurl === 'string' ? { headimgurl } : {}),
    scope,
  };
}

/**
 * The user cookie, signed (HMAC-SHA256) with a key derived from `secret` (the AppSecret)
 * for this purpose only: every instance with the same configuration, and every app
 * embedding the library with it, reads what any of them wrote.
 */
export function createUserCookie(secret: string): UserCookie {
  const cookie = createSignedCookie({ secret, purpose: PURPOSE, lifetimeMs: USER_TTL_MS, read: readUser });
  return {
    seal: (user, now) => cookie.seal(bounded(user), now),
    open: (value, now) => cookie.open(value, now),
  };
}
