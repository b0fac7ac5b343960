/** The exact HTTP answer given to a message, so that a retry gets the same bytes. */
export interface StoredAnswer {
  readonly contentType: string;
  readonly body: Buffer;
}

/** WeChat's "no reply": the answer most messages get. */
export const SUCCESS_ANSWER: StoredAnswer = { contentType: 'text/plain; charset=utf-8', body: Buffer.from('success') };

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
  /** Messages remembered now: never more than `maxEntries`. */
  readonly size: number;
}

export interface MemoryRetryStoreOptions {
  /** How many messages are remembered at most (default 50,000). */
  readonly maxEntries?: number;
  /** How many bytes of answers are kept at most (default 24 MiB). */
  readonly maxBytes?: number;
  readonly now?: () => number;
}


/**
 * A bounded in-memory store that holds no object per message. Answers are copied into
 * one fixed buffer used as a ring, and each message's slot (its key, expiry and the
 * place of its answer) lives in typed arrays, also a ring: the oldest message is
 * forgotten when either ring needs its room, and expired ones once a second. Measured,
 * a Buffer and a few objects per message churned V8's old generation and doubled the
 * server's resident memory under load (BENCHMARKS.md).
 */
export function createMemoryRetryStore(options: MemoryRetryStoreOptions = {}): MemoryRetryStore {
  const maxEntries = options.maxEntries ?? 50_000;
  const maxBytes = options.maxBytes ?? 24 * 1024 * 1024;
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a whole number ≥ 1');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new TypeError('maxBytes must be a whole number ≥ 1');

  const arena = Buffer.allocUnsafeSlow(maxBytes);
  let writeAt = 0; // where the next answer's bytes go
  let lap = 0; // how many times the writer has wrapped around the arena

  const slotOf = new Map<string, number>();
  const keys: (string | undefined)[] = new Array<string | undefined>(maxEntries).fill(undefined);
  const expiresAt = new Float64Array(maxEntries);
  const start = new Int32Array(maxEntries);
  const length = new Int32Array(maxEntries).fill(-1); // -1: still being answered
  const lapOf = new Float64Array(maxEntries);
  // Content types by index: the webhook has two, the table takes up to 255.
  const contentTypes: string[] = [];
  const typeOf = new Uint8Array(maxEntries);
  let oldest = 0;
  let count = 0;
  let nextSweep = 0;

  /** Answers still being computed, for retries that arrive meanwhile. */
  const pending = new Map<string, Promise<StoredAnswer>>();

  function forgetOldest(): void {
    const key = keys[oldest];
    if (key !== undefined && slotOf.get(key) === oldest) slotOf.delete(key);
    keys[oldest] = undefined;
    oldest = (oldest + 1) % maxEntries;
    count -= 1;
  }

  /** Forgets a slot's message at once (its answer cannot be kept). */
  function drop(slot: number): void {
    const key = keys[slot];
    if (key !== undefined && slotOf.get(key) === slot) slotOf.delete(key);
    keys[slot] = undefined;
    length[slot] = 0;
  }

  /** Copies an answer into the arena, or forgets the message if it cannot be kept. */
  function keep(slot: number, answer: StoredAnswer): void {
    const size = answer.body.length;
    let type = contentTypes.indexOf(answer.contentType);
    if (type === -1 && contentTypes.length < 255) type = contentTypes.push(answer.contentType) - 1;
    if (type === -1 || size > maxBytes) {
      drop(slot); // a retry then runs the handler again, rather than get another answer
      return;
    }
    typeOf[slot] = type;
    if (writeAt + size > maxBytes) {
      writeAt = 0;
      lap += 1;
    }
    answer.body.copy(arena, writeAt);
    start[slot] = writeAt;
    length[slot] = size;
    lapOf[slot] = lap;
    writeAt += size;
  }

  /**
   * True unless newer answers have been written over the slot's bytes: on the lap
   * after its own, the writer has covered [0, writeAt) only.
   */
  function intact(slot: number): boolean {
    const written = lapOf[slot] ?? -1;
    return written === lap || (written === lap - 1 && writeAt <= (start[slot] ?? 0));
  }

  function stored(slot: number): StoredAnswer {
    const at = start[slot] ?? 0;
    return { contentType: contentTypes[typeOf[slot] ?? 0] ?? '', body: Buffer.from(arena.subarray(at, at + (length[slot] ?? 0))) };
  }

  function sweep(time: number): void {
    while (count > 0 && (expiresAt[oldest] ?? 0) <= time && length[oldest] !== -1) forgetOldest();
  }

  return {
    get size() {
      return slotOf.size;
    },
    claim(key) {
      const time = now();
      const waiting = pending.get(key);
      if (waiting !== undefined) return { first: false, answer: waiting };
      const known = slotOf.get(key);
      // An answer whose bytes were reused (far more traffic than the arena holds) is
      // forgotten, like an evicted one.
      if (known !== undefined && (expiresAt[known] ?? 0) > time && intact(known)) {
        return { first: false, answer: Promise.resolve(stored(known)) };
      }

      if (time >= nextSweep) {
        nextSweep = time + 1000;
        sweep(time);
      }
      if (count === maxEntries) forgetOldest();
      const slot = (oldest + count) % maxEntries;
      count += 1;
      keys[slot] = key;
      expiresAt[slot] = time + RETRY_WINDOW_MS;
      length[slot] = -1;
      slotOf.set(key, slot);

      let resolve!: (answer: StoredAnswer) => void;
      pending.set(key, new Promise<StoredAnswer>((done) => (resolve = done)));
      return {
        first: true,
        settle(answer) {
          pending.delete(key);
          if (keys[slot] === key) keep(slot, answer);
          resolve(answer);
        },
      };
    },
  };
}
