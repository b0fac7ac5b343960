import { KeyTable } from './key-table.js';

/** The exact HTTP answer given to a message, so that a retry gets the same bytes. */
export interface StoredAnswer {
  readonly contentType: string;
  readonly body: Buffer;
}

/** WeChat's "no reply": the answer most messages get. */
export const SUCCESS_ANSWER: StoredAnswer = { contentType: 'text/plain; charset=utf-8', body: Buffer.from('success') };

/** The first delivery of a message settles its answer; a retry receives it. */
export type Claim =
  { readonly first: true; settle(answer: StoredAnswer): void } | { readonly first: false; readonly answer: Promise<StoredAnswer> };

/**
 * Remembers, for 60 s, which messages were answered and how, so that WeChat's retries
 * never run a handler twice. In memory here; in Redis when REDIS_URL is set. A store
 * may answer synchronously (the in-memory one does, on the hot path).
 */
export interface RetryStore {
  claim(key: string): Claim | Promise<Claim>;
}

/** The length of an answer not given yet. */
const PENDING = -1;

/** How long a retry is recognised (WeChat retries within 15 s; the contract says 60). */
export const RETRY_WINDOW_MS = 60_000;

export interface MemoryRetryStore extends RetryStore {
  claim(key: string): Claim;
  /** Messages remembered now: never more than `maxEntries`. */
  readonly size: number;
}

/**
 * 8 MiB of answers and 52,429 messages: a text reply is ~300 bytes (~700 in safe
 * mode), `success` 7, so this is 16 s of history (all of WeChat's retries) at 1,700
 * text replies a second (750 in safe mode). RETRY_MEMORY_MB, or Redis, holds more.
 */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
const MAX_BYTES = 2 ** 30;
/** Messages remembered per byte of answers: one per 160 bytes. */
const BYTES_PER_ENTRY = 160;

export interface MemoryRetryStoreOptions {
  /** How many bytes of answers are kept at most (default 8 MiB, at most 1 GiB). */
  readonly maxBytes?: number;
  /** How many messages are remembered at most (default one per 160 bytes of `maxBytes`). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * A bounded in-memory store that holds no object per message. Answers are copied into
 * one fixed buffer used as a ring, and each message's slot (its key, expiry and the
 * place of its answer) lives in typed arrays, also a ring, indexed by a `KeyTable`: the
 * oldest message is forgotten when either ring needs its room, and expired ones once a
 * second. Messages still being answered are also kept by key in a small map, so that a
 * retry waits for the first answer even if the ring had to forget the slot meanwhile.
 * Measured, a string key, a Map entry or a Buffer per remembered message is promoted
 * to V8's old generation and churns it, which more than doubled the server's resident
 * memory under load (BENCHMARKS.md); the map holds only the messages in progress.
 */
export function createMemoryRetryStore(options: MemoryRetryStoreOptions = {}): MemoryRetryStore {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxEntries = options.maxEntries ?? Math.max(1, Math.ceil(maxBytes / BYTES_PER_ENTRY));
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a whole number ≥ 1');
  // Arena offsets are 32-bit: at most 1 GiB (RETRY_MEMORY_MB stops at 1024).
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_BYTES) {
    throw new TypeError('maxBytes must be a whole number from 1 to 2³⁰ (1 GiB)');
  }

  const arena = Buffer.allocUnsafeSlow(maxBytes);
  let writeAt = 0; // where the next answer's bytes go
  let lap = 0; // how many times the writer has wrapped around the arena

  const table = new KeyTable(maxEntries);
  /** Which claim a slot holds: a retry's answer comes from that claim only. */
  const claimOf = new Float64Array(maxEntries);
  let claims = 0;
  const expiresAt = new Float64Array(maxEntries);
  const start = new Int32Array(maxEntries);
  const length = new Int32Array(maxEntries); // PENDING: still being answered
  const lapOf = new Float64Array(maxEntries);
  // Content types by index: the webhook has two, the table takes up to 255.
  const contentTypes: string[] = [];
  const typeOf = new Uint8Array(maxEntries);
  let oldest = 0;
  let count = 0;
  let nextSweep = 0;

  /** Messages still being answered, by key: what their retries wait for. */
  const inProgress = new Map<string, FirstClaim>();

  function forgetOldest(): void {
    table.remove(oldest);
    oldest = (oldest + 1) % maxEntries;
    count -= 1;
  }

  /** Copies an answer into the arena, or forgets the message if it cannot be kept. */
  function keep(slot: number, answer: StoredAnswer): void {
    const size = answer.body.length;
    let type = contentTypes.indexOf(answer.contentType);
    if (type === -1 && contentTypes.length < 255) type = contentTypes.push(answer.contentType) - 1;
    if (type === -1 || size > maxBytes) {
      table.remove(slot); // a retry then runs the handler again, rather than get another answer
      length[slot] = 0;
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
    while (count > 0 && (expiresAt[oldest] ?? 0) <= time && length[oldest] !== PENDING) forgetOldest();
  }

  /** The first delivery's claim: one small object, its methods on the prototype. */
  class FirstClaim {
    readonly first = true;
    #waiter: { answer: Promise<StoredAnswer>; resolve(answer: StoredAnswer): void } | undefined;
    #settled = false;

    constructor(
      private readonly key: string,
      private readonly slot: number,
      private readonly claim: number,
    ) {}

    /** The answer, for a retry that arrives before it is settled. */
    answer(): Promise<StoredAnswer> {
      if (this.#waiter === undefined) {
        let resolve!: (answer: StoredAnswer) => void;
        const answer = new Promise<StoredAnswer>((done) => (resolve = done));
        this.#waiter = { answer, resolve };
      }
      return this.#waiter.answer;
    }

    settle(answer: StoredAnswer): void {
      if (this.#settled) return;
      this.#settled = true;
      if (inProgress.get(this.key) === this) inProgress.delete(this.key);
      // Unless the ring has forgotten the slot (and maybe given it to another message).
      if (claimOf[this.slot] === this.claim) keep(this.slot, answer);
      this.#waiter?.resolve(answer);
    }
  }

  return {
    get size() {
      return table.size;
    },
    claim(key) {
      const running = inProgress.get(key);
      if (running !== undefined) return { first: false, answer: running.answer() };
      const time = now();
      const known = table.find(key);
      if (known !== -1) {
        // An answer whose bytes were reused (far more traffic than the arena holds) is
        // forgotten, like an evicted one.
        if ((expiresAt[known] ?? 0) > time && intact(known)) {
          return { first: false, answer: Promise.resolve(stored(known)) };
        }
        table.remove(known);
      }

      if (time >= nextSweep) {
        nextSweep = time + 1000;
        sweep(time);
      }
      if (count === maxEntries) forgetOldest();
      const slot = (oldest + count) % maxEntries;
      count += 1;
      claims += 1;
      claimOf[slot] = claims;
      expiresAt[slot] = time + RETRY_WINDOW_MS;
      length[slot] = PENDING;
      table.add(key, slot);
      const claim = new FirstClaim(key, slot, claims);
      inProgress.set(key, claim);
      return claim;
    },
  };
}
