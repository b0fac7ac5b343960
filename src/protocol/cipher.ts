import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * WeChat's message encryption (compatible and safe mode): AES-256-CBC with the key
 * base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7 padding to 32-byte
 * blocks, and plaintext = 16 random bytes + 4-byte big-endian length + XML + AppID.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 */

const BLOCK = 32;
const RANDOM_BYTES = 16;

/** Ciphertext that does not decrypt to a well-framed message. */
export class DecryptError extends Error {
  override readonly name = 'DecryptError';
}

export interface Decrypted {
  readonly xml: string;
  /** The AppID (or CorpID) framed after the XML, to be checked by the caller. */
  readonly appId: string;
}

export interface MessageCipher {
  /** Encrypts `xml` for `appId`; `random` is fixed only by tests of WeChat's vectors. */
  encrypt(xml: string, appId: string, random?: Buffer): string;
  /** Decrypts a base64 `Encrypt` field; throws DecryptError when it is malformed. */
  decrypt(encrypted: string): Decrypted;
}

/** The 32-byte AES key of a 43-character EncodingAESKey. */
function aesKey(encodingAesKey: string): Buffer {
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (encodingAesKey.length !== 43 || key.length !== 32) {
    throw new TypeError('an EncodingAESKey is 43 base64 characters');
  }
  return key;
}

export function createMessageCipher(encodingAesKey: string): MessageCipher {
  const key = aesKey(encodingAesKey);
  const iv = key.subarray(0, 16);

  return {
    encrypt(xml, appId, random = randomBytes(RANDOM_BYTES)) {
      if (random.length !== RANDOM_BYTES) throw new TypeError('the random prefix is 16 bytes');
      const body = Buffer.from(xml, 'utf8');
      const id = Buffer.from(appId, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32BE(body.length);
      const unpadded = RANDOM_BYTES + 4 + body.length + id.length;
      const pad = BLOCK - (unpadded % BLOCK);
      const plaintext = Buffer.concat([random, length, body, id, Buffer.alloc(pad, pad)]);
      const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
      return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
    },

    decrypt(encrypted) {
      if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encrypted)) throw new DecryptError('Encrypt is not base64');
      const ciphertext = Buffer.from(encrypted, 'base64');
      if (ciphertext.length === 0 || ciphertext.length % 16 !== 0) {
        throw new DecryptError('Encrypt is not a whole number of AES blocks');
      }
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
        plaintext = Buffer.concat([decipher.update(ciphertext), decipher.final()]);
      } catch (error) {
        throw new DecryptError(`AES decryption failed (${(error as Error).message})`);
      }
      const pad = plaintext[plaintext.length - 1] ?? 0;
      if (pad < 1 || pad > BLOCK || pad > plaintext.length) throw new DecryptError('the padding is malformed');
      for (let i = plaintext.length - pad; i < plaintext.length; i++) {
        if (plaintext[i] !== pad) throw new DecryptError('the padding is malformed');
      }
      const content = plaintext.subarray(0, plaintext.length - pad);
      if (content.length < RANDOM_BYTES + 4) throw new DecryptError('the message is too short');
      const xmlLength = content.readUInt32BE(RANDOM_BYTES);
      const xmlEnd = RANDOM_BYTES + 4 + xmlLength;
      if (xmlEnd > content.length) throw new DecryptError('the length field is larger than the message');
      return {
        xml: content.subarray(RANDOM_BYTES + 4, xmlEnd).toString('utf8'),
        appId: content.subarray(xmlEnd).toString('utf8'),
      };
    },
  };
}
