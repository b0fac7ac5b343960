import { hash } from 'node:crypto';
import { KeyTable } from './key-table.js';

/** What the memory knew of a signature: never seen, seen with this body, or with another. */
export type Sighting = 'new' | 'same' | 'different';

/** A body's digest as the memory keeps it: 16 bytes. */
export const DIGEST_BYTES = 16;

/**
 * The signatures of the messages received, with a digest of each one's body: a
 * signature covers the URL's timestamp and nonce but not a plaintext body, so one seen
 * URL must not carry a second, different body. Keyed by the signature itself, since a
 * timestamp and nonce can be re-split into another pair with the same signature.
 */
export interface SeenSignatures {
  /** Records `signature` with its body's `digest` until `expiresAt` (ms), unless known. */
  see(signature: string, digest: Buffer, expiresAt: number): Sighting | Promise<Sighting>;
}

export interface MemorySeenSignatures extends SeenSignatures {
  see(signature: string, digest: Buffer, expiresAt: number): Sighting;
  readonly size: number;
}

/**
 * The in-process memory: at most `maxEntries` signatures (the oldest forgotten first),
 * in typed arrays, like the retry store, so that it adds no object per message. 100,000
 * is five minutes of 330 messages a second; Redis (REDIS_URL) holds every one.
 */
export function createMemorySeenSignatures(options: { maxEntries?: number; now?: () => number } = {}): MemorySeenSignatures {
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const table = new KeyTable(maxEntries);
  const expiresAt = new Float64Array(maxEntries);
  const digests = Buffer.alloc(maxEntries * DIGEST_BYTES);
  let oldest = 0;
  let count = 0;

  function forgetOldest(): void {
    table.remove(oldest);
    oldest = (oldest + 1) % maxEntries;
    count -= 1;
  }

  return {
    get size() {
      return table.size;
    },
    see(signature, digest, until) {
      // A hex SHA-1 as 28 base64 characters, short enough for the table; anything else
      // that passed the signature check, as its own digest. (Decoding stops at the first
      // character that is not hex, so 20 bytes means 40 hex digits.)
      const raw = signature.length === 40 ? Buffer.from(signature, 'hex') : undefined;
      const key = raw?.length === 20 ? raw.toString('base64') : hash('sha1', signature, 'base64');
      const known = table.find(key);
      if (known !== -1) {
        if ((expiresAt[known] ?? 0) > now()) {
          return digests.compare(digest, 0, DIGEST_BYTES, known * DIGEST_BYTES, (known + 1) * DIGEST_BYTES) === 0 ? 'same' : 'different';
        }
        table.remove(known); // its ring slot is reused when the ring comes round
      }
      if (count === maxEntries) forgetOldest();
      const slot = (oldest + count) % maxEntries;
      count += 1;
      expiresAt[slot] = until;
      digest.copy(digests, slot * DIGEST_BYTES, 0, DIGEST_BYTES);
      table.add(key, slot);
      return 'new';
    },
  };
}
