import { detached } from '../core/detached-string.js';
import { UsedStatesFullError } from '../core/errors.js';

/**
 * The OAuth states already used: a state works once. A claim answers true the first
 * time a state is presented within `ttlMs`, false after; it throws UsedStatesFullError
 * when it can remember no more, rather than forget a state still valid.
 */
export interface UsedStates {
  claim(state: string, ttlMs: number): boolean | Promise<boolean>;
  /** Whether `state` was claimed and is still remembered; claims nothing. */
  isUsed(state: string): boolean | Promise<boolean>;
}

/** The process's used states: answered at once. */
export interface MemoryUsedStates extends UsedStates {
  claim(state: string, ttlMs: number): boolean;
  isUsed(state: string): boolean;
}

/** The memory the process's used states may take (about 160,000 of them). */
const USED_STATES_MAX_BYTES = 16 * 1024 * 1024;
/** What an entry takes besides its state's characters: the Map's slot, the string's header, the expiry (measured: 94 bytes in all for a 24-character state). */
const ENTRY_BYTES = 80;

/**
 * In the process, each state kept until it expires, however many come: they take at
 * most `maxBytes`, and when a new one would not fit, the claim is refused (fail closed)
 * until the oldest expire. A Map in claim order, which with one TTL is expiry order: the
 * expired are taken from the front.
 */
export function createMemoryUsedStates(options: { maxBytes?: number; now?: () => number } = {}): MemoryUsedStates {
  const maxBytes = options.maxBytes ?? USED_STATES_MAX_BYTES;
  const now = options.now ?? Date.now;
  const used = new Map<string, number>(); // state → when it may be forgotten, in claim order
  let bytes = 0;
  const sizeOf = (state: string): number => ENTRY_BYTES + state.length;
  return {
    claim(state, ttlMs) {
      const time = now();
      for (const [held, until] of used) {
        if (until > time) break;
        used.delete(held);
        bytes -= sizeOf(held);
      }
      const until = used.get(state);
      if (until !== undefined) {
        if (until > time) return false;
        used.delete(state); // expired, behind one of a longer TTL
        bytes -= sizeOf(state);
      }
      if (bytes + sizeOf(state) > maxBytes) {
        const oldest: number | undefined = used.values().next().value;
        throw new UsedStatesFullError(Math.max(1, Math.ceil(((oldest ?? time) - time) / 1000)));
      }
      // The state is cut from the request's URL: kept as it is, it would keep the URL.
      used.set(detached(state), time + ttlMs);
      bytes += sizeOf(state);
      return true;
    },
    isUsed(state) {
      const until = used.get(state);
      return until !== undefined && until > now();
    },
  };
}
