import { randomBytes } from 'node:crypto';
import { sameSecret } from '../core/same-secret.js';
import { createSignedCookie } from './signed-cookie.js';

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
  /** A new state and the cookie value that binds it (with the flow, for 10 minutes). */
  issue(now: number, flow: OAuthFlow): { state: string; cookie: string };
  /** The flow, when `state` is the one the (signed) cookie holds, issued under 10 minutes ago. */
  verify(state: string, cookie: string | undefined, now: number): OAuthFlow | undefined;
}

/** How long a flow may take from `/oauth` to its callback. */
export const STATE_TTL_MS = 10 * 60 * 1000;

export const STATE_COOKIE = 'wechat_oauth_state';

/** The fields of a state cookie: the state, and the flow it started. */
type HeldState = OAuthFlow & { readonly state: string };

function readState({ state, scope, next }: Readonly<Record<string, unknown>>): HeldState | undefined {
  if (typeof state !== 'string') return undefined;
  if (scope === 'snsapi_base') return typeof next === 'string' ? { state, scope, next } : undefined;
  if (scope === 'snsapi_userinfo') return typeof next === 'string' ? { state, scope, next } : { state, scope };
  return undefined;
}

/**
 * `secret` signs the cookie (HMAC-SHA256). Derived from the AppSecret, it is the same on
 * every instance, so that a callback may land on another instance than `/oauth` did.
 */
export function createStateCookie(secret: string): StateCookie {
  const cookie = createSignedCookie({ secret, purpose: 'wechat-oauth-state', lifetimeMs: STATE_TTL_MS, read: readState });
  return {
    issue(now, flow) {
      const state = randomBytes(18).toString('base64url');
      return { state, cookie: cookie.seal({ ...flow, state }, now) };
    },
    verify(state, value, now) {
      const held = cookie.open(value, now);
      if (held === undefined || !sameSecret(held.state, state)) return undefined;
      const { scope, next } = held;
      return scope === 'snsapi_base' ? { scope, next } : next === undefined ? { scope } : { scope, next };
    },
  };
}
