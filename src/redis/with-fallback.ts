import type { TokenStore } from '../api/token-store.js';
import { TokenLockTimeoutError } from './redis-token-store.js';
import type { RetryStore } from '../replies/retry-store.js';
import type { HealthCheck } from '../http/health.js';

/**
 * Calls `shared` while it is healthy, and `local` while it is not or when a call to it
 * fails: the server keeps answering through a Redis outage.
 */
function fallback<T>(health: HealthCheck, shared: T, local: T) {
  return async function call<R>(use: (store: T) => Promise<R>): Promise<R> {
    if (!health.healthy()) return use(local);
    try {
      return await use(shared);
    } catch {
      return use(local);
    }
  };
}

/** A credential's store (access token, jsapi ticket): Redis while it is up, the process's own otherwise. */
export function tokenStoreWithFallback(health: HealthCheck, shared: TokenStore, local: TokenStore): TokenStore {
  const call = fallback(health, shared, local);
  return {
    read: () => call((store) => store.read()),
    write: (token) => call((store) => store.write(token)),
    discard: (value) => call((store) => store.discard(value)),
    withRefreshLock(refresh) {
      if (!health.healthy()) return local.withRefreshLock(refresh);
      // Fall back only when Redis failed, never when the refresh itself did (that
      // would fetch twice).
      let ran = false;
      const tracked = () => {
        ran = true;
        return refresh();
      };
      return shared.withRefreshLock(tracked).catch((error: unknown) => {
        // A refresh that ran, or another instance's that is slow, is not Redis failing:
        // fetching here too would break "one fetch for all".
        if (ran || error instanceof TokenLockTimeoutError) throw error;
        return local.withRefreshLock(refresh);
      });
    },
  };
}

export function retryStoreWithFallback(health: HealthCheck, shared: RetryStore, local: RetryStore): RetryStore {
  const call = fallback(health, shared, local);
  return { claim: (key) => call(async (store) => store.claim(key)) };
}
