import { ExpiringMap } from './expiring-map.js';

/** The wait after a first failure; each failure in a row doubles it. */
export const FIRST_BACK_OFF_MS = 2_000;
/** The longest wait, however many failures in a row. */
export const LONGEST_BACK_OFF_MS = 60_000;

/** Keys whose failures are remembered at once; past this the oldest is forgotten. */
const MAX_KEYS = 10_000;

export interface FailureBackOffOptions {
  readonly firstMs?: number;
  readonly longestMs?: number;
  /** The clock, injectable so that the waits are tested without sleeping. */
  readonly now?: () => number;
}

/** A failure remembered: what it threw, how many in a row, and when to try again. */
export interface RememberedFailure {
  readonly error: unknown;
  readonly inARow: number;
  readonly retryAt: number;
}

/**
 * Failures of an upstream call, remembered for a while per key (a credential, a file), so
 * that a call that fails is not made again by every caller that comes next: while the
 * wait runs, `blocking` hands back the failure for the caller to throw at once. The wait
 * starts at `firstMs` and doubles with each failure in a row up to `longestMs`; a success
 * forgets the key. A failure long after the last wait ended starts a new streak.
 */
export class FailureBackOff<K> {
  readonly #firstMs: number;
  readonly #longestMs: number;
  readonly #now: () => number;
  /** Each key's last failure, kept until its streak is over: `longestMs` after its wait ended. */
  readonly #failures: ExpiringMap<K, RememberedFailure>;

  constructor({ firstMs = FIRST_BACK_OFF_MS, longestMs = LONGEST_BACK_OFF_MS, now = Date.now }: FailureBackOffOptions = {}) {
    this.#firstMs = firstMs;
    this.#longestMs = longestMs;
    this.#now = now;
    this.#failures = new ExpiringMap({ max: MAX_KEYS, now });
  }

  /** The failure still in force for `key`, or undefined when a call may be made. */
  blocking(key: K): RememberedFailure | undefined {
    if (this.#failures.size === 0) return undefined;
    const failure = this.#failures.get(key);
    return failure !== undefined && failure.retryAt > this.#now() ? failure : undefined;
  }

  /** Records that a call for `key` failed with `error`: callers get it until the wait ends. */
  failed(key: K, error: unknown): RememberedFailure {
    const time = this.#now();
    const previous = this.#failures.get(key); // still there: the streak goes on
    const inARow = previous === undefined ? 1 : previous.inARow + 1;
    const wait = Math.min(this.#firstMs * 2 ** Math.min(inARow - 1, 30), this.#longestMs);
    const failure = { error, inARow, retryAt: time + wait };
    this.#failures.set(key, failure, failure.retryAt + this.#longestMs);
    return failure;
  }

  /** Records that a call for `key` succeeded: the next failure starts from the first wait. */
  succeeded(key: K): void {
    if (this.#failures.size > 0) this.#failures.delete(key);
  }
}
