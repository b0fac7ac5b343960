import { createHash, timingSafeEqual } from 'node:crypto';

/** The SHA-256 of a secret: what `sameSecret` compares, and what may be kept to compare against. */
export function secretDigest(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/**
 * True when `given` equals `expected`, compared in constant time whatever their lengths:
 * both are hashed first, so neither the length nor the first differing byte shows in the time.
 */
export function sameSecret(given: string, expected: string): boolean {
  return timingSafeEqual(secretDigest(given), secretDigest(expected));
}
