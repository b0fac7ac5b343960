import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { AES_KEY } from './settings.js';

/**
 * WeChat's signature and message encryption, written independently of src/ so that the
 * load generator checks the server rather than trusting its code.
 */

const KEY = Buffer.from(`${AES_KEY}=`, 'base64');
const IV = KEY.subarray(0, 16);
const BLOCK = 32;

/** Hex SHA-1 of the parts sorted as strings and joined. */
export function sign(...parts: string[]): string {
  return createHash('sha1').update(parts.sort().join('')).digest('hex');
}

/** AES-256-CBC of 16 random bytes + 4-byte BE length + xml + appId, PKCS#7 to 32 bytes. */
export function encrypt(xml: string, appId: string): string {
  const body = Buffer.from(xml, 'utf8');
  const id = Buffer.from(appId, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const pad = BLOCK - ((20 + body.length + id.length) % BLOCK);
  const plain = Buffer.concat([randomBytes(16), length, body, id, Buffer.alloc(pad, pad)]);
  const cipher = createCipheriv('aes-256-cbc', KEY, IV).setAutoPadding(false);
  return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
}

/** The XML and AppID inside an `Encrypt` field; throws when it is not well framed. */
export function decrypt(encrypted: string): { xml: string; appId: string } {
  const decipher = createDecipheriv('aes-256-cbc', KEY, IV).setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(encrypted, 'base64'), decipher.final()]);
  const pad = plain[plain.length - 1] ?? 0;
  if (pad < 1 || pad > BLOCK) throw new Error(`bad padding ${pad}`);
  const content = plain.subarray(0, plain.length - pad);
  const end = 20 + content.readUInt32BE(16);
  if (end > content.length) throw new Error('length field past the end');
  return { xml: content.subarray(20, end).toString('utf8'), appId: content.subarray(end).toString('utf8') };
}
