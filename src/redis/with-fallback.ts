import type { TokenStore } from '../wechat-api/token-store.js';
import { LockTimeoutError, SessionUnavailableError, UsedStatesFullError } from '../core/errors.js';
import type { HeldSession, SessionStore } from '../replies/session-store.js';
import type { Claim, RetryStore } from '../replay-memory/retry-store.js';
import type { MemorySeenSignatures, SeenSignatures } from '../replay-memory/seen-signatures.js';
import type { HealthCheck } from '../core/health-check.js';
import type { MemoryUsedStates, UsedStates } from '../replay-memory/used-states.js';
import type { SharedRetryStore } from './redis-retry-store.js';
import type { MediaIdStore } from '../replies-file/media-cache.js';
import { isPromiseLike } from '../core/promise-like.js';
import type { ReachStore } from '../reach/reach-store.js';

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
        if (ran || error instanceof LockTimeoutError) throw error;
        return local.withRefreshLock(refresh);
      });
    },
  };
}

/**
 * Retries recognised in the process first, then in Redis. Every reply is recorded in
 * the process too, so that a Redis that restarts empty does not make this instance run
 * a handler twice; a claim made here while Redis failed has its reply written to Redis
 * once it answers again, so that no key stays `pending` there.
 */
export function retryStoreWithFallback(health: HealthCheck, shared: SharedRetryStore, local: RetryStore): RetryStore {
  function recorded(key: string, mine: Extract<Claim, { first: true }>): Claim {
    return {
      first: true,
      settle(reply) {
        mine.settle(reply);
        shared.record(key, reply);
      },
    };
  }
  return {
    async claim(key) {
      const claiming = local.claim(key);
      const mine = isPromiseLike(claiming) ? await claiming : claiming;
      if (!mine.first) return mine;
      if (!health.healthy()) return recorded(key, mine);
      let theirs: Claim;
      try {
        theirs = await shared.claim(key);
      } catch {
        return recorded(key, mine); // Redis may yet apply the claim: the reply follows it
      }
      if (!theirs.first) {
        void theirs.recorded.then((reply) => mine.settle(reply));
        return theirs;
      }
      return {
        first: true,
        settle(reply) {
          mine.settle(reply);
          theirs.settle(reply);
        },
      };
    },
  };
}

/** Signatures remembered in the process first, then in Redis while it answers. */
export function seenSignaturesWithFallback(health: HealthCheck, shared: SeenSignatures, local: MemorySeenSignatures): SeenSignatures {
  return {
    async see(signature, digest, expiresAt) {
      const here = local.see(signature, digest, expiresAt);
      if (here !== 'new' || !health.healthy()) return here;
      try {
        return await shared.see(signature, digest, expiresAt);
      } catch {
        return here;
      }
    },
  };
}

/**
 * Used OAuth states in the process and in Redis: a state used on any instance is refused
 * on every other while Redis answers, and one used here is still refused here while it
 * does not. When the process's memory is full, Redis alone decides while it answers;
 * while it does not, a new state is refused (UsedStatesFullError), never an old one
 * forgotten.
 */
export function usedStatesWithFallback(health: HealthCheck, shared: UsedStates, local: MemoryUsedStates): UsedStates {
  return {
    async claim(state, ttlMs) {
      let here: boolean | UsedStatesFullError;
      try {
        here = local.claim(state, ttlMs);
      } catch (error) {
        if (!(error instanceof UsedStatesFullError)) throw error;
        here = error;
      }
      if (here === false) return false;
      const hereOnly = (): boolean => {
        if (here instanceof UsedStatesFullError) throw here;
        return here;
      };
      if (!health.healthy()) return hereOnly();
      try {
        return await shared.claim(state, ttlMs);
      } catch {
        return hereOnly();
      }
    },
    async isUsed(state) {
      if (local.isUsed(state)) return true;
      if (!health.healthy()) return false;
      try {
        return await shared.isUsed(state);
      } catch {
        return false;
      }
    },
  };
}

/** The replies file's media ids in Redis while it answers, in the process otherwise. */
export function mediaIdStoreWithFallback(health: HealthCheck, shared: MediaIdStore, local: MediaIdStore): MediaIdStore {
  const call = fallback(health, shared, local);
  return {
    read: (key) => call((store) => store.read(key)),
    write: (key, entry) => call((store) => store.write(key, entry)),
    exclusive(key, work) {
      if (!health.healthy()) return local.exclusive(key, work);
      // As for the token: fall back when Redis failed, never when the upload did (that would upload twice).
      let ran = false;
      const tracked = () => {
        ran = true;
        return work();
      };
      return shared.exclusive(key, tracked).catch((error: unknown) => {
        if (ran || error instanceof LockTimeoutError) throw error;
        return local.exclusive(key, work);
      });
    },
  };
}

/**
 * Conversations in Redis while it answers, in the process otherwise. A turn that held
 * the conversation in Redis and sees Redis fail goes on with the process's copy; a
 * conversation another instance keeps (or that this turn lost) is not Redis failing.
 */
export function sessionStoreWithFallback(health: HealthCheck, shared: SessionStore, local: SessionStore): SessionStore {
  const redisFailed = (error: unknown): boolean => !(error instanceof SessionUnavailableError);
  return {
    async hold(key, ms) {
      if (!health.healthy()) return local.hold(key, ms);
      let theirs: HeldSession;
      try {
        theirs = await shared.hold(key, ms);
      } catch (error) {
        if (!redisFailed(error)) throw error;
        return local.hold(key, ms);
      }
      let mine: Promise<HeldSession> | undefined;
      const orHere = <T>(use: (store: HeldSession) => Promise<T>) =>
        use(theirs).catch(async (error: unknown) => {
          if (!redisFailed(error)) throw error;
          return use(await (mine ??= local.hold(key, ms)));
        });
      return {
        read: () => orHere((store) => store.read()),
        write: (json) => orHere((store) => store.write(json)),
        delete: () => orHere((store) => store.delete()),
        release() {
          theirs.release();
          void mine?.then((store) => store.release());
        },
      };
    },
  };
}

/**
 * Reach in Redis while it is up, and always in the process too: what an instance saw
 * while Redis was down still counts, as far as this instance knows. Reads come from
 * Redis while it answers, from the process otherwise.
 */
export function reachStoreWithFallback(health: HealthCheck, shared: ReachStore, local: ReachStore): ReachStore {
  const read = fallback(health, shared, local);
  const both = async (write: (store: ReachStore) => Promise<void>): Promise<void> => {
    await write(local);
    if (health.healthy()) await write(shared).catch(() => undefined);
  };
  return {
    interacted(openid, kind, at) {
      local.interacted(openid, kind, at);
      if (health.healthy()) shared.interacted(openid, kind, at);
    },
    answered(openid, templateId, answer) {
      local.answered(openid, templateId, answer);
      if (health.healthy()) shared.answered(openid, templateId, answer);
    },
    sent: (openid, at, count) => both((store) => store.sent(openid, at, count)),
    refused: (openid, at) => both((store) => store.refused(openid, at)),
    usedGrant: (openid, templateId) => both((store) => store.usedGrant(openid, templateId)),
    window: (openid) => read((store) => store.window(openid)),
    grants: (openid) => read((store) => store.grants(openid)),
  };
}
