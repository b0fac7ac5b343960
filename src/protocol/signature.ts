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

/**
 * Compares a received signature with the expected one in constant time. Only the one
 * spelling WeChat sends (40 lower-case hex digits) is accepted: another spelling of the
 * same value (upper case, or a character that latin1 folds onto a digit) would let a
 * replayed request pass the memory of seen signatures as a new one.
 */
export function verifySignature(received: string, ...parts: string[]): boolean {
  if (!SPELLING.test(received)) return false;
  return timingSafeEqual(Buffer.from(received, 'latin1'), Buffer.from(sign(...parts), 'latin1'));
}
