import { detached } from '../core/detached-string.js';
import { ExpiringMap } from '../core/expiring-map.js';

/**
 * One conversation held for one message's turn: its state read and written as JSON.
 * Every read or write keeps the state for the store's TTL from then on.
 */
export interface HeldSession {
  read(): Promise<string | undefined>;
  write(json: string): Promise<void>;
  delete(): Promise<void>;
  /** Lets the next message of the conversation have it; never throws. */
  release(): void;
}

/**
 * Where conversations' states are kept: in the process here, in Redis with REDIS_URL.
 * `hold` keeps other instances out of the conversation for the turn, `ms` at most; the
 * process's own queue already keeps its messages of one user apart. `key` is the
 * conversation's `conversationKey`.
 */
export interface SessionStore {
  hold(key: string, ms: number): Promise<HeldSession>;
}

/**
 * The store's key for one user's conversation with one account: `<account>:<user>`, the
 * account's `%` and `:` escaped (`%25`, `%3A`), so that the first `:` always ends it and
 * no two pairs share a key (`gh_a:x` + `y` is `gh_a%3Ax:y`, `gh_a` + `x:y` is
 * `gh_a:x:y`). WeChat's ids hold neither character: the key is then built as before,
 * with no other string made.
 */
export function conversationKey(account: string, user: string): string {
  const escaped = account.includes(':') || account.includes('%') ? account.replaceAll('%', '%25').replaceAll(':', '%3A') : account;
  return `${escaped}:${user}`;
}

export interface MemorySessionStoreOptions {
  /** How long a state is kept after it was last read or written (SESSION_TTL_S). */
  readonly ttlMs: number;
  /** How many conversations are kept at most; the one untouched longest goes first (default 10,000). */
  readonly maxSessions?: number;
  readonly now?: () => number;
}

export interface MemorySessionStore extends SessionStore {
  /** Conversations kept now (expired ones may linger until the next write). */
  readonly size: number;
}

/**
 * The process's conversations, in an ExpiringMap: every read or write sets the state
 * again, so the map is in order of last use, which with one TTL is also the order in
 * which they expire.
 */
export function createMemorySessionStore(options: MemorySessionStoreOptions): MemorySessionStore {
  const { ttlMs, maxSessions = 10_000, now = Date.now } = options;
  if (!Number.isSafeInteger(maxSessions) || maxSessions < 1) throw new TypeError('maxSessions must be a whole number ≥ 1');
  const kept = new ExpiringMap<string, string>({ max: maxSessions, now });

  function keep(key: string, json: string): void {
    // The key is built from the message's fields, slices of its body: kept as it is, it would keep the body.
    kept.set(detached(key), json, now() + ttlMs);
  }

  function held(key: string): HeldSession {
    return {
      async read() {
        const json = kept.get(key);
        if (json !== undefined) keep(key, json);
        return json;
      },
      async write(json) {
        keep(key, json);
      },
      async delete() {
        kept.delete(key);
      },
      release() {},
    };
  }

  return {
    get size() {
      return kept.size;
    },
    hold: async (key) => held(key),
  };
}
