/** The longest key, in UTF-8 bytes: a digest in base64 (the callers' keys) fits. */
export const KEY_BYTES = 32;
/** The length code of a slot that holds no key. */
const NO_KEY = 255;
const EMPTY = -1;

/**
 * A hash table from string keys to slot numbers (0 … slots-1) that holds no JavaScript
 * object per key: the keys' bytes, hashes and the buckets are typed arrays, so churning
 * keys add nothing for V8's garbage collector to trace or promote.
 * Keys are compared by their UTF-8 bytes (a lone surrogate reads as U+FFFD) and hold at
 * most `KEY_BYTES`: a caller with longer keys hashes them first. Open addressing with
 * linear probing and backward-shift deletion; at most half full.
 */
export class KeyTable {
  private readonly buckets: Int32Array;
  private readonly mask: number;
  private readonly keyBytes: Uint8Array;
  private readonly keyCode: Uint8Array;
  private readonly hashOf: Uint32Array;
  private readonly scratch = Buffer.alloc(KEY_BYTES);
  private scratchCode = 0;
  private scratchHash = 0;
  private count = 0;

  constructor(slots: number) {
    let size = 2;
    while (size < slots * 2) size *= 2;
    this.buckets = new Int32Array(size).fill(EMPTY);
    this.mask = size - 1;
    this.keyBytes = new Uint8Array(slots * KEY_BYTES);
    this.keyCode = new Uint8Array(slots).fill(NO_KEY);
    this.hashOf = new Uint32Array(slots);
  }

  /** Keys held now. */
  get size(): number {
    return this.count;
  }

  /** The slot holding `key`, or -1. */
  find(key: string): number {
    this.encode(key);
    for (let at = this.scratchHash & this.mask; ; at = (at + 1) & this.mask) {
      const slot = this.buckets[at] as number;
      if (slot === EMPTY || this.holdsScratch(slot)) return slot;
    }
  }

  /** Puts `key` in `slot` (which must hold no key, and `key` must not be held). */
  add(key: string, slot: number): void {
    this.encode(key);
    this.keyBytes.set(this.scratch.subarray(0, this.scratchCode), slot * KEY_BYTES);
    this.keyCode[slot] = this.scratchCode;
    this.hashOf[slot] = this.scratchHash;
    let at = this.scratchHash & this.mask;
    while (this.buckets[at] !== EMPTY) at = (at + 1) & this.mask;
    this.buckets[at] = slot;
    this.count += 1;
  }

  /** Empties `slot`, if it is one of the table's and holds a key. */
  remove(slot: number): void {
    const code = this.keyCode[slot];
    if (code === undefined || code === NO_KEY) return; // out of range, or no key
    this.keyCode[slot] = NO_KEY;
    this.count -= 1;
    let hole = (this.hashOf[slot] as number) & this.mask;
    while (this.buckets[hole] !== slot) hole = (hole + 1) & this.mask;
    // Backward shift: move up each later key of the run whose home is not after the hole.
    for (let at = (hole + 1) & this.mask; this.buckets[at] !== EMPTY; at = (at + 1) & this.mask) {
      const home = (this.hashOf[this.buckets[at] as number] as number) & this.mask;
      const homeAfterHole = hole <= at ? home > hole && home <= at : home > hole || home <= at;
      if (!homeAfterHole) {
        this.buckets[hole] = this.buckets[at] as number;
        hole = at;
      }
    }
    this.buckets[hole] = EMPTY;
  }

  private encode(key: string): void {
    const code = Buffer.byteLength(key, 'utf8');
    if (code > KEY_BYTES) throw new RangeError(`a key of the table holds at most ${KEY_BYTES} UTF-8 bytes`);
    this.scratch.write(key, 0, 'utf8');
    // FNV-1a over the bytes and the length.
    let hash = 0x811c9dc5 ^ code;
    for (let i = 0; i < code; i++) hash = Math.imul(hash ^ (this.scratch[i] as number), 0x01000193);
    this.scratchCode = code;
    this.scratchHash = hash >>> 0;
  }

  private holdsScratch(slot: number): boolean {
    if (this.hashOf[slot] !== this.scratchHash || this.keyCode[slot] !== this.scratchCode) return false;
    const from = slot * KEY_BYTES;
    for (let i = 0; i < this.scratchCode; i++) {
      if (this.keyBytes[from + i] !== this.scratch[i]) return false;
    }
    return true;
  }
}
