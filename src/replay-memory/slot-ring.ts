import { KeyTable } from './key-table.js';

/** The reply length of a slot whose message is still being answered. */
export const PENDING = -1;
/** The reply length of a slot whose message was answered with no reply. */
export const NO_REPLY_LENGTH = -2;

/**
 * The messages a retry store remembers, one slot each, in typed arrays used as a ring
 * and found by key through a `KeyTable`: a message's claim number, expiry and where its
 * recorded reply lies. The oldest slot is forgotten when the ring is full, and expired
 * ones by `sweep`; no object is held per message.
 */
export class SlotRing {
  readonly #table: KeyTable;
  /** Which claim a slot holds: a reply is recorded only by the claim that opened the slot. */
  readonly #claimOf: Float64Array;
  readonly #expiresAt: Float64Array;
  readonly #position: Float64Array;
  readonly #length: Int32Array;
  #claims = 0;
  #oldest = 0;
  #count = 0;

  constructor(readonly maxEntries: number) {
    this.#table = new KeyTable(maxEntries);
    this.#claimOf = new Float64Array(maxEntries);
    this.#expiresAt = new Float64Array(maxEntries);
    this.#position = new Float64Array(maxEntries);
    this.#length = new Int32Array(maxEntries);
  }

  /** Messages remembered now. */
  get size(): number {
    return this.#table.size;
  }

  /** The slot of `key`, or -1. */
  find(key: string): number {
    return this.#table.find(key);
  }

  /** The slot the next `open` takes from the oldest message to make room, or -1 while there is room. */
  get slotToReuse(): number {
    return this.#count === this.maxEntries ? this.#oldest : -1;
  }

  /** Opens a slot for `key` (which must not be held) until `expiresAt`, forgetting the oldest if full. */
  open(key: string, expiresAt: number): number {
    if (this.#count === this.maxEntries) this.#forgetOldest();
    const slot = (this.#oldest + this.#count) % this.maxEntries;
    this.#count += 1;
    this.#claims += 1;
    this.#claimOf[slot] = this.#claims;
    this.#expiresAt[slot] = expiresAt;
    this.#length[slot] = PENDING;
    this.#table.add(key, slot);
    return slot;
  }

  /** The claim that opened `slot`, for `record`. */
  claimOf(slot: number): number {
    return this.#claimOf[slot] ?? 0;
  }

  /** Records where `slot`'s reply lies, if the slot still belongs to `claim`; false if it does not. */
  record(slot: number, claim: number, position: number, length: number): boolean {
    if (this.#claimOf[slot] !== claim) return false;
    this.#position[slot] = position;
    this.#length[slot] = length;
    return true;
  }

  expiresAt(slot: number): number {
    return this.#expiresAt[slot] ?? 0;
  }

  position(slot: number): number {
    return this.#position[slot] ?? 0;
  }

  /** The recorded reply's length, `PENDING` or `NO_REPLY_LENGTH`. */
  length(slot: number): number {
    return this.#length[slot] ?? 0;
  }

  /** Lets `slot`'s key be found no more; the ring reuses the slot when it comes round. */
  forget(slot: number): void {
    this.#table.remove(slot);
  }

  /** Forgets the oldest slots that expired by `time` and are no longer pending. */
  sweep(time: number): void {
    while (this.#count > 0 && this.expiresAt(this.#oldest) <= time && this.length(this.#oldest) !== PENDING) this.#forgetOldest();
  }

  #forgetOldest(): void {
    this.#table.remove(this.#oldest);
    this.#oldest = (this.#oldest + 1) % this.maxEntries;
    this.#count -= 1;
  }
}
