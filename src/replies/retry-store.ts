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
 * never run a handler twice. In memory here; in Redis when REDIS_URL is set. A store
 * may answer synchronously (the in-memory one does, on the hot path).
 */
export interface RetryStore {
  claim(key: string): Claim | Promise<Claim>;
}

/** How long a retry is recognised (WeChat retries within 15 s; the contract says 60). */
export const RETRY_WINDOW_MS = 60_000;

export interface MemoryRetryStore extends RetryStore {
  claim(key: string): Claim;
  /** Entries held now: never more than `maxEntries`. */
  readonly size: number;
}

interface Entry {
  readonly key: string;
  readonly expiresAt: number;
  /** The answer once settled (kept bare, to hold less than a promise does). */
  answer: StoredAnswer | Promise<StoredAnswer>;
}

/**
 * A bounded in-memory store: a map for lookups and a ring of the same entries in
 * arrival order, so that the oldest is evicted beyond `maxEntries` and expired ones
 * are swept (once a second) without scanning the map.
 */
export function createMemoryRetryStore(maxEntries = 50_000, now: () => number = Date.now): MemoryRetryStore {
  const entries = new Map<string, Entry>();
  const ring: (Entry | undefined)[] = new Array<Entry | undefined>(maxEntries).fill(undefined);
  let next = 0; // the slot the next entry takes: the oldest one once the ring is full
  let nextSweep = 0;

  function forget(slot: number): void {
    const entry = ring[slot];
    if (entry !== undefined && entries.get(entry.key) === entry) entries.delete(entry.key);
    ring[slot] = undefined;
  }

  /** Walks from the oldest slot, forgetting entries until one has not expired. */
  function sweep(time: number): void {
    for (let i = 0, slot = next; i < maxEntries; i++, slot = (slot + 1) % maxEntries) {
      const entry = ring[slot];
      if (entry === undefined) continue;
      if (entry.expiresAt > time) break;
      forget(slot);
    }
  }

  return {
    get size() {
      return entries.size;
    },
    claim(key) {
      const time = now();
      const existing = entries.get(key);
      if (existing !== undefined && existing.expiresAt > time) {
        const { answer } = existing;
        return { first: false, answer: answer instanceof Promise ? answer : Promise.resolve(answer) };
      }
      if (time >= nextSweep) {
        nextSweep = time + 1000;
        sweep(time);
      }
      forget(next);
      let resolve!: (answer: StoredAnswer) => void;
      const entry: Entry = { key, expiresAt: time + RETRY_WINDOW_MS, answer: new Promise<StoredAnswer>((done) => (resolve = done)) };
      entries.set(key, entry);
      ring[next] = entry;
      next = (next + 1) % maxEntries;
      return {
        first: true,
        settle(answer) {
          entry.answer = answer;
          resolve(answer);
        },
      };
    },
  };
}
