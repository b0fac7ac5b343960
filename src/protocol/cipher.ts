import { createCipheriv, createDecipheriv, randomFillSync, type Cipher, type Decipher } from 'node:crypto';
import { DecryptError } from '../errors.js';

/**
 * WeChat's message encryption (compatible and safe mode): AES-256-CBC with the key
 * base64(EncodingAESKey + "="), IV = its first 16 bytes, PKCS#7 padding to 32-byte
 * blocks, and plaintext = 16 random bytes + 4-byte big-endian length + XML + AppID.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 */

const BLOCK = 32;
const AES_BLOCK = 16;
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

/** XORs `a` and `b` into the first block of `target`. */
function xorFirstBlock(target: Buffer, a: Buffer, b: Buffer): void {
  for (let i = 0; i < AES_BLOCK; i++) target[i] = (target[i] as number) ^ (a[i] as number) ^ (b[i] as number);
}

/**
 * AES-256-CBC over whole blocks with a fixed IV, on one OpenSSL context per direction
 * for the life of the cipher instead of a new one per message: creating a context was
 * most of what a message's encryption cost (3.3 against 1.4 µs, and as much again to
 * decrypt). A CBC context left running chains the next message's first block to the
 * last ciphertext block it saw (`chain`) instead of to the IV. Since
 * CBC's first block is E(P₁ ⊕ IV), encrypting P₁ ⊕ IV ⊕ chain on that context gives
 * exactly it, and decrypting gives D(C₁) ⊕ chain, turned into D(C₁) ⊕ IV the same way:
 * every message comes out as if on a fresh context, and the later blocks chain as usual.
 */
export class CbcContexts {
  #encryptor: Cipher;
  #decryptor: Decipher;
  readonly #encryptChain: Buffer;
  readonly #decryptChain: Buffer;

  constructor(
    private readonly key: Buffer,
    private readonly iv: Buffer,
  ) {
    this.#encryptor = this.#newEncryptor();
    this.#decryptor = this.#newDecryptor();
    this.#encryptChain = Buffer.from(iv);
    this.#decryptChain = Buffer.from(iv);
  }

  /** Encrypts `plaintext` (whole blocks; its first block is changed and restored). */
  encrypt(plaintext: Buffer): Buffer {
    xorFirstBlock(plaintext, this.iv, this.#encryptChain);
    let out: Buffer;
    try {
      out = this.#encryptor.update(plaintext);
    } catch (error) {
      this.#resetEncryptor();
      throw error;
    } finally {
      xorFirstBlock(plaintext, this.iv, this.#encryptChain);
    }
    if (out.length !== plaintext.length) {
      // Not whole blocks, or OpenSSL held some back: start over on a fresh context.
      this.#resetEncryptor();
      throw new RangeError('AES-CBC: the plaintext is not whole blocks');
    }
    out.copy(this.#encryptChain, 0, out.length - AES_BLOCK);
    return out;
  }

  /** Decrypts `ciphertext` (whole blocks, at least one). */
  decrypt(ciphertext: Buffer): Buffer {
    let out: Buffer;
    try {
      out = this.#decryptor.update(ciphertext);
    } catch (error) {
      this.#resetDecryptor();
      throw error;
    }
    if (out.length !== ciphertext.length) {
      this.#resetDecryptor();
      throw new RangeError('AES-CBC: the ciphertext is not whole blocks');
    }
    xorFirstBlock(out, this.iv, this.#decryptChain);
    ciphertext.copy(this.#decryptChain, 0, ciphertext.length - AES_BLOCK);
    return out;
  }

  #newEncryptor(): Cipher {
    return createCipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
  }

  #newDecryptor(): Decipher {
    return createDecipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
  }

  #resetEncryptor(): void {
    this.#encryptor = this.#newEncryptor();
    this.iv.copy(this.#encryptChain);
  }

  #resetDecryptor(): void {
    this.#decryptor = this.#newDecryptor();
    this.iv.copy(this.#decryptChain);
  }
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
  const aes = new CbcContexts(key, key.subarray(0, 16));
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
