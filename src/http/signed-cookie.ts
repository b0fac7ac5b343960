import { createHash, createHmac } from 'node:crypto';
import { sameSecret } from '../core/same-secret.js';
import { parseCookie } from 'cookie';

/**
 * A cookie that carries a JSON payload until it expires, signed so that the browser
 * can hold it but not alter it. The value is `<payload>.<mac>`: the payload's fields
 * and `expires` (ms) as base64url JSON, then its HMAC-SHA256, base64url.
 */
export interface SignedCookie<T> {
  /** The cookie value carrying `payload` until `now` + the cookie's lifetime. */
  seal(payload: T, now: number): string;
  /** The payload, when `value` was sealed with this key, is unaltered and has not expired. */
  open(value: string | undefined, now: number): T | undefined;
}

export interface SignedCookieOptions<T> {
  /** The configured secret the key is derived from (the AppSecret). */
  readonly secret: string;
  /**
   * What the cookie is for: each purpose gets its own key, so that a cookie of one kind
   * is never taken for another.
   */
  readonly purpose: string;
  readonly lifetimeMs: number;
  /**
   * The payload from the signed fields, or undefined when they are not one: checked even
   * though signed, since the key is shared by every instance and version.
   */
  readonly read: (fields: Readonly<Record<string, unknown>>) => T | undefined;
}

/**
 * A key for one purpose, derived from a configured secret: the same on every instance
 * given the same configuration, and a different key for each purpose.
 */
function deriveKey(secret: string, purpose: string): Buffer {
  return createHash('sha256').update(`${purpose}\u0000${secret}`).digest();
}

function parseFields(payload: string): Record<string, unknown> | undefined {
  try {
    const fields: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    return typeof fields === 'object' && fields !== null ? (fields as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A signed cookie of one purpose. Every instance (and every app embedding the library)
 * with the same secret reads what any of them sealed.
 */
export function createSignedCookie<T extends object>({ secret, purpose, lifetimeMs, read }: SignedCookieOptions<T>): SignedCookie<T> {
  const key = deriveKey(secret, purpose);
  const macOf = (payload: string): string => createHmac('sha256', key).update(payload).digest('base64url');
  return {
    seal(payload, now) {
      const encoded = Buffer.from(JSON.stringify({ ...payload, expires: now + lifetimeMs })).toString('base64url');
      return `${encoded}.${macOf(encoded)}`;
    },
    open(value, now) {
      const dot = value?.lastIndexOf('.') ?? -1;
      if (value === undefined || dot <= 0) return undefined;
      const payload = value.slice(0, dot);
      if (!sameSecret(value.slice(dot + 1), macOf(payload))) return undefined;
      const fields = parseFields(payload);
      const expires = fields?.expires;
      return fields !== undefined && typeof expires === 'number' && expires > now ? read(fields) : undefined;
    },
  };
}

/** One cookie's value from a request's Cookie header (the first, when it is there twice). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  return header === undefined ? undefined : parseCookie(header)[name];
}
