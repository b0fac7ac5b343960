import { sha1Signature, WeChatCrypto } from '../test/helpers/wechat-crypto.js';
import { AES_KEY } from './settings.js';

/**
 * WeChat's signature and message encryption for the load generator: the tests'
 * implementation of WeChat's side, written independently of src/, so that the
 * benchmark checks the server rather than trusting its code.
 */

const wechat = new WeChatCrypto(AES_KEY, '', '');

/** Hex SHA-1 of the parts sorted as strings and joined. */
export const sign = sha1Signature;

/** AES-256-CBC of 16 random bytes + 4-byte BE length + xml + appId, PKCS#7 to 32 bytes. */
export function encrypt(xml: string, appId: string): string {
  return wechat.encrypt(xml, { appId });
}

/** The XML and AppID inside an `Encrypt` field; throws when it is not well framed. */
export function decrypt(encrypted: string): { xml: string; appId: string } {
  return wechat.decrypt(encrypted);
}
