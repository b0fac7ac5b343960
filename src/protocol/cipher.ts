import { randomFillSync } from 'node:crypto';
import { DecryptError } from '../core/errors.js';
import { AES_BLOCK, CbcContexts } from './cbc-contexts.js';

/**
 * WeChat's message encryption (compatible and safe mode): AES-256-CBC with the key
 * base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7 padding to 32-byte
 * blocks, and plaintext = 16 random bytes + 4-byte big-endian length + XML + AppID.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 */

const BLOCK = 32;
const RANDOM_BYTES = 16;

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

/**
 * The random prefixes of encrypted replies, drawn from the CSPRNG 4 KiB at a time: one
 * call (and the getpid() OpenSSL makes with it) per 256 replies instead of per reply.
 */
class RandomPrefixes {
  readonly #pool = Buffer.alloc(4096);
  #used = this.#pool.length;

  /** Copies 16 fresh random bytes into `target` at 0; no two calls get the same bytes. */
  take(target: Buffer): void {
    if (this.#used + RANDOM_BYTES > this.#pool.length) {
      randomFillSync(this.#pool);
      this.#used = 0;
    }
    this.#pool.copy(target, 0, this.#used, this.#used + RANDOM_BYTES);
    this.#used += RANDOM_BYTES;
  }
}

export function createMessageCipher(encodingAesKey: string): MessageCipher {
  const key = aesKey(encodingAesKey);
  const aes = new CbcContexts(key, key.subarray(0, AES_BLOCK));
  const prefixes = new RandomPrefixes();

  return {
    encrypt(xml, appId, random) {
      if (random !== undefined && random.length !== RANDOM_BYTES) throw new TypeError('the random prefix is 16 bytes');
      // One buffer for the whole frame: random, length, XML, AppID, padding.
      const xmlLength = Buffer.byteLength(xml);
      const idLength = Buffer.byteLength(appId);
      const unpadded = RANDOM_BYTES + 4 + xmlLength + idLength;
      const pad = BLOCK - (unpadded % BLOCK);
      const plaintext = Buffer.allocUnsafe(unpadded + pad);
      if (random === undefined) prefixes.take(plaintext);
      else random.copy(plaintext, 0);
      plaintext.writeUInt32BE(xmlLength, RANDOM_BYTES);
      plaintext.write(xml, RANDOM_BYTES + 4, 'utf8');
      plaintext.write(appId, RANDOM_BYTES + 4 + xmlLength, 'utf8');
      plaintext.fill(pad, unpadded);
      return aes.encrypt(plaintext).toString('base64');
    },

    decrypt(encrypted) {
      const ciphertext = Buffer.from(encrypted, 'base64');
      // Not base64 (or not whole blocks): Buffer.from skips what is not base64, and what
      // is left is then not a whole number of blocks, or fails the checks below.
      if (ciphertext.length === 0 || ciphertext.length % AES_BLOCK !== 0) {
        throw new DecryptError('Encrypt is not a whole number of AES blocks of base64');
      }
      let plaintext: Buffer;
      try {
        plaintext = aes.decrypt(ciphertext);
      } catch (error) {
        throw new DecryptError(`AES decryption failed (${(error as Error).message})`);
      }
      const pad = plaintext[plaintext.length - 1] ?? 0;
      if (pad < 1 || pad > BLOCK || pad > plaintext.length) throw new DecryptError('the padding is malformed');
      for (let i = plaintext.length - pad; i < plaintext.length; i++) {
        if (plaintext[i] !== pad) throw new DecryptError('the padding is malformed');
      }
      const end = plaintext.length - pad;
      if (end < RANDOM_BYTES + 4) throw new DecryptError('the message is too short');
      const xmlLength = plaintext.readUInt32BE(RANDOM_BYTES);
      const xmlEnd = RANDOM_BYTES + 4 + xmlLength;
      if (xmlEnd > end) throw new DecryptError('the length field is larger than the message');
      return {
        xml: plaintext.toString('utf8', RANDOM_BYTES + 4, xmlEnd),
        appId: plaintext.toString('utf8', xmlEnd, end),
      };
    },
  };
}
