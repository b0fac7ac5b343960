import { hash, timingSafeEqual } from 'node:crypto';

/**
 * WeChat's request signature: the hex SHA-1 of the parts sorted as strings and joined.
 * Plaintext mode signs (token, timestamp, nonce); safe mode adds the `Encrypt` field.
 * https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/Access_Overview.html
 */
export function sign(...parts: string[]): string {
  return hash('sha1', parts.sort().join(''), 'hex');
}

/** Compares a received signature with the expected one in constant time. */
export function verifySignature(received: string, ...parts: string[]): boolean {
  const expected = Buffer.from(sign(...parts), 'latin1');
  const actual = Buffer.from(received.toLowerCase(), 'latin1');
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
