import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A key for one purpose, derived from a configured secret: the same on every instance
 * given the same configuration, and a different key for each purpose.
 */
export function deriveKey(secret: string, purpose: string): Buffer {
  return createHash('sha256').update(`${purpose}\u0000${secret}`).digest();
}

/** HMAC-SHA256 of `value`, base64url. */
export function macOf(key: Buffer, value: string): string {
  return createHmac('sha256', key).update(value).digest('base64url');
}

/** True when `signature` is `value`'s MAC, compared in constant time. */
export function signedBy(key: Buffer, value: string, signature: string): boolean {
  const given = Buffer.from(signature);
  const expected = Buffer.from(macOf(key, value));
  return given.length === expected.length && timingSafeEqual(given, expected);
}
