export interface ExpiringMapOptions {
  /** How many entries are kept at most: past it, the one set longest ago goes first. */
  readonly max: number;
  /** The clock the expiry times are on, injectable so that tests need not sleep. */
  readonly now?: () => number;
}

interface Held<V> {
  readonly value: V;
  readonly expiresAt: number;
}

/**
 * A map whose entries expire, bounded in number, for the cold paths' memories (admin
 * log-in failures, QR tickets, conversations, upstream failures, pending Redis writes).
 * An entry is gone from the moment its time is up (`expiresAt` ≤ now). The entries are
 * kept in the order they were last set, so a map whose entries all live alike expires
 * from the front: each `set` first drops the expired at the front, then the oldest
 * past `max`. An expired entry elsewhere is dropped when read, or pushed out in turn.
 *
 * Not for the webhook's hot path: the replay memory keeps its own typed-array
 * structures (see BENCHMARKS.md), which allocate nothing per message.
 */
export class ExpiringMap<K, V> {
  readonly #entries = new Map<K, Held<V>>();
  readonly #max: number;
  readonly #now: () => number;

  constructor({ max, now = Date.now }: ExpiringMapOptions) {
    if (!Number.isSafeInteger(max) || max < 1) throw new TypeError('max must be a whole number ≥ 1');
    this.#max = max;
    this.#now = now;
  }

  /** Entries held, the expired that were not dropped yet included. */
  get size(): number {
    return this.#entries.size;
  }

  /** The value of `key` while it has not expired. Reading leaves the order as it is. */
  get(key: K): V | undefined {
    const held = this.#entries.get(key);
    if (held === undefined) return undefined;
    if (held.expiresAt > this.#now()) return held.value;
    this.#entries.delete(key);
    return undefined;
  }

  /** Sets `key` to `value` until `expiresAt` (Infinity: until pushed out); it becomes the newest. */
  set(key: K, value: V, expiresAt: number): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, expiresAt });
    const time = this.#now();
    for (const [oldest, { expiresAt: until }] of this.#entries) {
      if (until > time && this.#entries.size <= this.#max) return;
      this.#entries.delete(oldest);
    }
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Every entry that has not expired, with its expiry, oldest first; the expired are dropped on the way. */
  *entries(): Generator<[key: K, value: V, expiresAt: number]> {
    for (const [key, { value, expiresAt }] of this.#entries) {
      if (expiresAt > this.#now()) yield [key, value, expiresAt];
      else this.#entries.delete(key);
    }
  }
}
