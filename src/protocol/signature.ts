import { hash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's request signature: the hex SHA-1 of the parts sorted as strings and joined.
 * Plaintext mode signs (token, timestamp, nonce); safe mode adds the `Encrypt` field.
 * https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html
 */
export function sign(...parts: string[]): string {
  return hash('sha1', parts.sort().join(''), 'hex');
}

const SPELLING = /^[0-9a-f]{40}$/;
/** Where verifySignature writes the two signatures it compares. */
const RECEIVED = Buffer.alloc(40);
const EXPECTED = Buffer.alloc(40);

/**
 * Compares a received signature with the expected one in constant time. Only the one
 * spelling WeChat sends (40 lower-case hex digits) is accepted: another spelling of the
 * same value (upper case, or a character that latin1 folds onto a digit) would let a
 * replayed request pass the memory of seen signatures as a new one.
 */
export function verifySignature(received: string, ...parts: string[]): boolean {
  if (!SPELLING.test(received)) return false;
  // Both are 40 ASCII characters here; written into buffers kept for the purpose, not new ones.
  RECEIVED.write(received, 'latin1');
  EXPECTED.write(sign(...parts), 'latin1');
  return timingSafeEqual(RECEIVED, EXPECTED);
}
