/** An access token and the moment (ms since the epoch) WeChat says it expires. */
export interface StoredToken {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * Where the access token lives. In memory for one process; in Redis (src/redis/)
 * for many, which is why refreshing goes through a lock and discarding is conditional.
 */
export interface TokenStore {
  read(): Promise<StoredToken | undefined>;
  write(token: StoredToken): Promise<void>;
  /** Drops the stored token only if it is still `value` (another caller may have refreshed it). */
  discard(value: string): Promise<void>;
  /** Runs `refresh` while holding the store's refresh lock, so one caller refreshes at a time. */
  withRefreshLock<T>(refresh: () => Promise<T>): Promise<T>;
}

/** One process's token: a variable and a promise chain as the lock. */
export function createMemoryTokenStore(): TokenStore {
  let stored: StoredToken | undefined;
  let lock: Promise<unknown> = Promise.resolve();
  return {
    read: () => Promise.resolve(stored),
    write(token) {
      stored = token;
      return Promise.resolve();
    },
    discard(value) {
      if (stored?.value === value) stored = undefined;
      return Promise.resolve();
    },
    withRefreshLock(refresh) {
      const run = lock.then(refresh, refresh);
      lock = run.catch(() => undefined);
      return run;
    },
  };
}
