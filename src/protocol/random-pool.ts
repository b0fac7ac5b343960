import { randomFillSync } from 'node:crypto';

const POOL_SIZE = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_SIZE);
let offset = POOL_SIZE;

/**
 * Cryptographically random bytes, copied out of a pool refilled 4 KiB at a time: one
 * call into the CSPRNG per 256 replies instead of one per reply.
 */
export function randomPoolBytes(size: number): Buffer {
  if (size > POOL_SIZE) throw new RangeError(`at most ${POOL_SIZE} bytes at a time`);
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  const bytes = Buffer.from(pool.subarray(offset, offset + size));
  offset += size;
  return bytes;
}

/** Writes `size` random bytes into `target` at `at` (no allocation). */
export function fillRandom(target: Buffer, at: number, size: number): void {
  if (offset + size > POOL_SIZE) {
    randomFillSync(pool);
    offset = 0;
  }
  pool.copy(target, at, offset, offset + size);
  offset += size;
}
