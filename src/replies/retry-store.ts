/** The exact HTTP answer given to a message, so that a retry gets the same bytes. */
export interface StoredAnswer {
  readonly contentType: string;
  readonly body: Buffer;
}

/** The first delivery of a message settles its answer; a retry receives it. */
export type Claim =
  | { readonly first: true; settle(answer: StoredAnswer): void }
  | { readonly first: false; readonly answer: Promise<StoredAnswer> };

/**
 * Remembers, for 60 s, which messages were answered and how, so that WeChat's retries
 * never run a handler twice. In memory here; in Redis when REDIS_URL is set.
 */
export interface RetryStore {
  claim(key: string): Promise<Claim>;
}

/** How long a retry is recognised (WeChat retries within 15 s; the contract says 60). */
export const RETRY_WINDOW_MS = 60_000;

export interface MemoryRetryStore extends RetryStore {
  /** Entries held now: never more than `maxEntries`. */
  readonly size: number;
}

/**
 * A bounded in-memory store: entries expire after the window, and the oldest are
 * evicted beyond `maxEntries`, whatever the traffic.
 */
export function createMemoryRetryStore(maxEntries = 50_000, now: () => number = Date.now): MemoryRetryStore {
  const entries = new Map<string, { expiresAt: number; answer: Promise<StoredAnswer> }>();

  function prune(): void {
    const time = now();
    // Insertion order is expiry order: every entry lives the same window.
    for (const [key, entry] of entries) {
      if (entry.expiresAt > time && entries.size < maxEntries) break;
      entries.delete(key);
    }
  }

  return {
    get size() {
      return entries.size;
    },
    claim(key) {
      const existing = entries.get(key);
      if (existing !== undefined && existing.expiresAt > now()) {
        return Promise.resolve({ first: false, answer: existing.answer });
      }
      entries.delete(key);
      prune();
      let settle!: (answer: StoredAnswer) => void;
      const answer = new Promise<StoredAnswer>((resolve) => (settle = resolve));
      entries.set(key, { expiresAt: now() + RETRY_WINDOW_MS, answer });
      return Promise.resolve({ first: true, settle });
    },
  };
}
