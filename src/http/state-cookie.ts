import { randomBytes, timingSafeEqual } from 'node:crypto';
import { deriveKey, macOf, signedBy } from './cookie-signing.js';

/**
 * What a flow started with: the scope asked for, and the path on this server (already
 * checked) to hand the user over to; without one, the built-in profile page, which
 * needs `snsapi_userinfo`.
 */
export type OAuthFlow =
  { readonly scope: 'snsapi_userinfo'; readonly next?: string } | { readonly scope: 'snsapi_base'; readonly next: string };

/**
 * The OAuth `state`, bound to the browser: an unguessable value, also kept in a signed
 * cookie so that the callback can tell that the same browser started the flow. The
 * cookie carries the flow too, so that `next` never travels in the redirect_uri.
 */
export interface StateCookie {
  /** A new state and the cookie value that binds it (and when it was issued, and the flow). */
  issue(now: number, flow: OAuthFlow): { state: string; cookie: string };
  /** The flow, when `state` is the one the (signed) cookie holds, issued under 10 minutes ago. */
  verify(state: string, cookie: string | undefined, now: number): OAuthFlow | undefined;
}

/** How long a flow may take from `/oauth` to its callback. */
export const STATE_TTL_MS = 10 * 60 * 1000;

export const STATE_COOKIE = 'wechat_oauth_state';

function readFlow(encoded: string): OAuthFlow | undefined {
  try {
    const { next, scope } = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8')) as { next?: unknown; scope?: unknown };
    if (scope === 'snsapi_base') return typeof next === 'string' ? { scope, next } : undefined;
    if (scope === 'snsapi_userinfo') return typeof next === 'string' ? { scope, next } : { scope };
    return undefined;
  } catch {
    return undefined;
  }
}

/**
 * `secret` signs the cookie (HMAC-SHA256). Derived from the AppSecret, it is the same on
 * every instance, so that a callback may land on another instance than `/oauth` did.
 */
export function createStateCookie(secret: string): StateCookie {
  const key = deriveKey(secret, 'wechat-oauth-state');
  return {
    issue(now, flow) {
      const state = randomBytes(18).toString('base64url');
      const value = `${state}.${now}.${Buffer.from(JSON.stringify(flow)).toString('base64url')}`;
      return { state, cookie: `${value}.${macOf(key, value)}` };
    },
    verify(state, cookie, now) {
      if (cookie === undefined) return undefined;
      const dot = cookie.lastIndexOf('.');
      const value = cookie.slice(0, dot);
      if (dot <= 0 || !signedBy(key, value, cookie.slice(dot + 1))) return undefined;
      const [held = '', issued = '', flow = ''] = value.split('.');
      const age = now - Number(issued);
      const a = Buffer.from(held);
      const b = Buffer.from(state);
      const fresh = /^\d+$/.test(issued) && age >= 0 && age <= STATE_TTL_MS;
      return fresh && a.length === b.length && timingSafeEqual(a, b) ? readFlow(flow) : undefined;
    },
  };
}

/** Reads one cookie from a Cookie header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined; // a malformed escape is no cookie of ours
      }
    }
  }
  return undefined;
}
