import { createDecipheriv, createHash } from 'node:crypto';
import { AES_KEY } from './settings.js';

/**
 * WeChat's signature and decryption, for checking the replies of every server measured
 * (reply-check.ts). Written here on node:crypto alone, independent of src/, so that the
 * benchmark judges our server by the scheme rather than by its own code. The requests
 * are signed and encrypted by the package's `./testing` (messages.ts): the other
 * servers accepting them is one more check of it.
 */

const key = Buffer.from(`${AES_KEY}=`, 'base64');

/** Hex SHA-1 of the parts sorted as strings and joined. */
export function sign(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/**
 * The XML and AppID inside an `Encrypt` field (AES-256-CBC, the IV the key's first 16
 * bytes, of 16 random bytes + 4-byte BE length + xml + appId, PKCS#7 to 32 bytes).
 * Throws when it is not well framed.
 */
export function decrypt(encrypted: string): { xml: string; appId: string } {
  const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > 32) throw new Error(`bad padding ${pad}`);
  const content = plain.subarray(0, plain.length - pad);
  const end = 20 + content.readUInt32BE(16);
  if (end > content.length) throw new Error('length field past the end');
  return { xml: content.subarray(20, end).toString(), appId: content.subarray(end).toString() };
}
