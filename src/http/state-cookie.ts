import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The OAuth `state`, bound to the browser: an unguessable value, also kept in a signed
 * cookie so that the callback can tell that the same browser started the flow.
 */
export interface StateCookie {
  /** A new state and the cookie value that binds it (and when it was issued). */
  issue(now?: number): { state: string; cookie: string };
  /** True when `state` is the one the (signed) cookie holds, issued under 10 minutes ago. */
  verify(state: string, cookie: string | undefined, now?: number): boolean;
}

/** How long a flow may take from `/oauth` to its callback. */
export const STATE_TTL_MS = 10 * 60 * 1000;

export const STATE_COOKIE = 'wechat_oauth_state';

/**
 * `secret` signs the cookie (HMAC-SHA256). Derived from the AppSecret, it is the same on
 * every instance, so that a callback may land on another instance than `/oauth` did.
 */
export function createStateCookie(secret: string): StateCookie {
  const key = createHash('sha256').update(`wechat-oauth-state\u0000${secret}`).digest();
  const mac = (state: string): string => createHmac('sha256', key).update(state).digest('base64url');
  return {
    issue(now = Date.now()) {
      const state = randomBytes(18).toString('base64url');
      const value = `${state}.${now}`;
      return { state, cookie: `${value}.${mac(value)}` };
    },
    verify(state, cookie, now = Date.now()) {
      if (cookie === undefined) return false;
      const dot = cookie.lastIndexOf('.');
      const value = cookie.slice(0, dot);
      const signature = Buffer.from(cookie.slice(dot + 1));
      const expected = Buffer.from(mac(value));
      const signed = dot > 0 && signature.length === expected.length && timingSafeEqual(signature, expected);
      const [held = '', issued = ''] = value.split('.');
      const age = now - Number(issued);
      const a = Buffer.from(held);
      const b = Buffer.from(state);
      return signed && /^\d+$/.test(issued) && age >= 0 && age <= STATE_TTL_MS && a.length === b.length && timingSafeEqual(a, b);
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
