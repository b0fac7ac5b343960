import type { RecordedReply } from './retry-store.js';

/**
 * The first delivery's claim on a message: `settle` records its reply once, and a retry
 * that arrives before then waits on `recorded()`. One small object, its methods on the
 * prototype; the promise is made only if a retry asks for it.
 */
export class FirstClaim {
  readonly first = true;
  #waiter: { promise: Promise<RecordedReply>; resolve(reply: RecordedReply): void } | undefined;
  #settled = false;

  constructor(
    private readonly running: ClaimsInProgress,
    readonly key: string,
    /** What the owner needs to record the reply (for the memory store, its slot and claim number). */
    readonly slot: number,
    readonly claim: number,
  ) {}

  /** The reply, once settled: what a retry of this message gets. */
  recorded(): Promise<RecordedReply> {
    if (this.#waiter === undefined) {
      let resolve!: (reply: RecordedReply) => void;
      const promise = new Promise<RecordedReply>((done) => (resolve = done));
      this.#waiter = { promise, resolve };
    }
    return this.#waiter.promise;
  }

  settle(reply: RecordedReply): void {
    if (this.#settled) return;
    this.#settled = true;
    this.running.finish(this, reply);
    this.#waiter?.resolve(reply);
  }
}

/**
 * The messages still being answered, by key: what their retries wait for, even after
 * the store's ring has forgotten them. Only messages in progress are held, so the map
 * stays small.
 */
export class ClaimsInProgress {
  readonly #running = new Map<string, FirstClaim>();

  /** @param onSettle records a settled claim's reply, before its waiting retries get it. */
  constructor(private readonly onSettle: (claim: FirstClaim, reply: RecordedReply) => void) {}

  get size(): number {
    return this.#running.size;
  }

  /** The claim in progress on `key`, if any. */
  find(key: string): FirstClaim | undefined {
    return this.#running.get(key);
  }

  /** Starts a claim on `key`, which replaces any claim in progress on it. */
  start(key: string, slot: number, claim: number): FirstClaim {
    const first = new FirstClaim(this, key, slot, claim);
    this.#running.set(key, first);
    return first;
  }

  /** Called by a claim's `settle`. */
  finish(claim: FirstClaim, reply: RecordedReply): void {
    if (this.#running.get(claim.key) === claim) this.#running.delete(claim.key);
    this.onSettle(claim, reply);
  }
}
