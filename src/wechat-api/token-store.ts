/** A credential (access token, jsapi ticket) and the moment (ms since the epoch) WeChat says it expires. */
export interface StoredToken {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * Where a credential kept fresh (src/wechat-api/fresh-credential.ts) lives: the access token,
 * the jsapi ticket, each in its own store. In memory for one process; in Redis
 * (src/redis/) for many, which is why refreshing goes through a lock and discarding
 * is conditional.
 */
export interface TokenStore {
  read(): Promise<StoredToken | undefined>;
  write(token: StoredToken): Promise<void>;
  /** Drops the stored value only if it is still `value` (another caller may have refreshed it). */
  discard(value: string): Promise<void>;
  /** Runs `refresh` while holding the store's refresh lock, so one caller refreshes at a time. */
  withRefreshLock<T>(refresh: () => Promise<T>): Promise<T>;
}

/** One process's credential: a variable and a promise chain as the lock. */
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
