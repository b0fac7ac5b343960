/**
 * A fixed buffer of recorded replies' bytes, written as a ring: each write goes after the
 * last, and round to the start when it would not fit before the end, over the oldest
 * bytes. A write's position counts every byte the ring has passed, so that whether its
 * bytes were written over since is one comparison, and the ring holds no object per
 * reply.
 */
export class ReplyArena {
  readonly #bytes: Buffer;
  /** Where the next write starts, counted from the first byte ever written. */
  #head = 0;

  constructor(readonly maxBytes: number) {
    this.#bytes = Buffer.allocUnsafeSlow(maxBytes);
  }

  /** Copies `bytes` in and returns their position, or -1 when they are larger than the ring. */
  write(bytes: Buffer): number {
    const size = bytes.length;
    if (size > this.maxBytes) return -1;
    let at = this.#head % this.maxBytes;
    if (at + size > this.maxBytes) {
      this.#head += this.maxBytes - at; // the tail stays unused this lap
      at = 0;
    }
    bytes.copy(this.#bytes, at);
    const position = this.#head;
    this.#head += size;
    return position;
  }

  /** True unless later writes have covered the bytes written at `position`. */
  holds(position: number): boolean {
    return this.#head <= position + this.maxBytes;
  }

  /** A copy of the `length` bytes written at `position`. */
  read(position: number, length: number): Buffer {
    const at = position % this.maxBytes;
    return Buffer.from(this.#bytes.subarray(at, at + length));
  }
}
