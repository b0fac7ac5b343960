import type { RecordedReply } from './recorded-reply.js';

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
 * The messages still being answered: what their retries wait for. A claim is kept by
 * its slot in the store's ring, so finding it costs nothing beyond the ring's own
 * lookup; when the ring reuses the slot of a claim still running (far more traffic
 * than the ring holds), the claim moves to a map by key until it settles.
 *
 * No Map is written per message: a Map that grows and shrinks as messages come and go
 * reallocates its table each time, in the old generation once the Map lives there.
 * Measured under load, that was three quarters of what the server promoted to it.
 */
export class ClaimsInProgress {
  /** By slot: the claim still running in it, if any (a sparse array, filled as the ring's slots are used). */
  readonly #bySlot: (FirstClaim | undefined)[] = [];
  /** By key: claims whose slot the ring reused before they settled. */
  readonly #displaced = new Map<string, FirstClaim>();
  #count = 0;

  /** @param onSettle records a settled claim's reply, before its waiting retries get it. */
  constructor(private readonly onSettle: (claim: FirstClaim, reply: RecordedReply) => void) {}

  /** Claims still running. */
  get size(): number {
    return this.#count;
  }

  /** The claim running in `slot`, if any. */
  inSlot(slot: number): FirstClaim | undefined {
    return this.#bySlot[slot];
  }

  /** The claim running on `key` whose slot was reused (see `displace`), if any. */
  displaced(key: string): FirstClaim | undefined {
    return this.#displaced.size === 0 ? undefined : this.#displaced.get(key);
  }

  /** Starts a claim on `key` in `slot` (a slot with no claim running in it). */
  start(key: string, slot: number, claim: number): FirstClaim {
    const first = new FirstClaim(this, key, slot, claim);
    this.#bySlot[slot] = first;
    this.#count += 1;
    return first;
  }

  /** The ring reuses `slot`: the claim still running in it is found by its key from now on. */
  displace(slot: number): void {
    const claim = this.#bySlot[slot];
    if (claim === undefined) return;
    this.#bySlot[slot] = undefined;
    this.#displaced.set(claim.key, claim);
  }

  /** Called by a claim's `settle`. */
  finish(claim: FirstClaim, reply: RecordedReply): void {
    if (this.#bySlot[claim.slot] === claim) {
      this.#bySlot[claim.slot] = undefined;
      this.#count -= 1;
    } else if (this.#displaced.get(claim.key) === claim) {
      this.#displaced.delete(claim.key);
      this.#count -= 1;
    }
    this.onSettle(claim, reply);
  }
}
