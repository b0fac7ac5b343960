/**
 * The OAuth states already used: a state works once. A claim answers true the first
 * time a state is presented within `ttlMs`, false after.
 */
export interface UsedStates {
  claim(state: string, ttlMs: number): boolean | Promise<boolean>;
}

/** In the process: at most `maxEntries` states (the oldest, or expired, forgotten first). */
export function createMemoryUsedStates(
  options: { maxEntries?: number; now?: () => number } = {},
): UsedStates & { claim(state: string, ttlMs: number): boolean } {
  const maxEntries = options.maxEntries ?? 10_000;
  const now = options.now ?? Date.now;
  const used = new Map<string, number>(); // state → when it may be forgotten, in insertion order
  return {
    claim(state, ttlMs) {
      const time = now();
      for (const [held, until] of used) {
        if (until > time && used.size < maxEntries) break;
        used.delete(held);
      }
      if ((used.get(state) ?? 0) > time) return false;
      used.set(state, time + ttlMs);
      return true;
    },
  };
}
