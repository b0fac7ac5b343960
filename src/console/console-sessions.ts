import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { StoreUnavailableError } from '../core/errors.js';
import { ExpiringMap } from '../core/expiring-map.js';
import { secretDigest } from '../core/same-secret.js';

/** A session lasts at most this long from sign-in… */
export const SESSION_MAX_MS = 8 * 60 * 60 * 1000;
/** …and ends after this long without a request. */
export const SESSION_IDLE_MS = 30 * 60 * 1000;
/** A session's last use is written again at most this often (a Redis write per minute, not per request). */
const TOUCH_EVERY_MS = 60_000;
/** Sessions held in memory at most (without Redis): past it, the oldest sign-in goes first. */
const MAX_MEMORY_SESSIONS = 10_000;

/** Who signed in, and the session's CSRF token. Never the key they signed in with. */
export interface ConsoleSession {
  /** The key's name: `admin` for ADMIN_TOKEN, `local` on this machine without one, an account key's name. */
  readonly key: string;
  /** The account an account key acts for; undefined for ADMIN_TOKEN (every account). */
  readonly account: string | undefined;
  /** The fingerprint of the key signed in with (console-access.ts): a changed key ends the session. */
  readonly fingerprint: string;
  readonly csrf: string;
  readonly createdAt: number;
  readonly seenAt: number;
}

export interface ConsoleSessions {
  /** A new session: its id goes in the cookie, and only its SHA-256 is kept. */
  create(who: Pick<ConsoleSession, 'key' | 'account' | 'fingerprint'>): Promise<{ id: string; session: ConsoleSession }>;
  /** The session of a cookie's id while it lives (and its last use is noted), else undefined. */
  find(id: string): Promise<ConsoleSession | undefined>;
  end(id: string): Promise<void>;
}

/** Where sessions are kept: the process, or Redis (any instance serves them). */
interface SessionStore {
  get(digest: string): Promise<ConsoleSession | undefined>;
  set(digest: string, session: ConsoleSession, ttlMs: number): Promise<void>;
  delete(digest: string): Promise<void>;
}

const newSecret = (): string => randomBytes(32).toString('base64url');
const digestOf = (id: string): string => secretDigest(id).toString('hex');

function memoryStore(now: () => number): SessionStore {
  const sessions = new ExpiringMap<string, ConsoleSession>({ max: MAX_MEMORY_SESSIONS, now });
  return {
    get: (digest) => Promise.resolve(sessions.get(digest)),
    set(digest, session, ttlMs) {
      sessions.set(digest, session, now() + ttlMs);
      return Promise.resolve();
    },
    delete(digest) {
      sessions.delete(digest);
      return Promise.resolve();
    },
  };
}

function isSession(value: unknown): value is ConsoleSession {
  const session = value as Partial<ConsoleSession> | null;
  return (
    typeof session === 'object' &&
    session !== null &&
    typeof session.key === 'string' &&
    (session.account === undefined || typeof session.account === 'string') &&
    typeof session.csrf === 'string' &&
    typeof session.fingerprint === 'string' &&
    typeof session.createdAt === 'number' &&
    typeof session.seenAt === 'number'
  );
}

/** Redis's failure (down, or slower than its bound) as a 503 the client may retry, never a 500. */
async function answered<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch {
    throw new StoreUnavailableError('the console’s sessions are in Redis, which did not answer: try again in a moment');
  }
}

/** `wechat:console:session:<sha256 of the id>`: server-wide, as the console is. */
function redisStore(redis: Redis): SessionStore {
  const keyOf = (digest: string): string => `wechat:console:session:${digest}`;
  return {
    async get(digest) {
      const text = await answered(() => redis.get(keyOf(digest)));
      if (text === null) return undefined;
      try {
        const value: unknown = JSON.parse(text);
        return isSession(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    async set(digest, session, ttlMs) {
      await answered(() => redis.set(keyOf(digest), JSON.stringify(session), 'PX', Math.max(1, Math.ceil(ttlMs))));
    },
    async delete(digest) {
      await answered(() => redis.del(keyOf(digest)));
    },
  };
}

/** The console's sessions: at most 8 hours, 30 minutes idle; in Redis with REDIS_URL. */
export function createConsoleSessions({ redis, now = Date.now }: { redis?: Redis; now?: () => number }): ConsoleSessions {
  const store = redis === undefined ? memoryStore(now) : redisStore(redis);
  const lifeLeft = (session: ConsoleSession, time: number): number =>
    Math.min(session.seenAt + SESSION_IDLE_MS, session.createdAt + SESSION_MAX_MS) - time;
  return {
    async create({ key, account, fingerprint }) {
      const time = now();
      const id = newSecret();
      const session: ConsoleSession = { key, account, fingerprint, csrf: newSecret(), createdAt: time, seenAt: time };
      await store.set(digestOf(id), session, lifeLeft(session, time));
      return { id, session };
    },
    async find(id) {
      const digest = digestOf(id);
      const session = await store.get(digest);
      const time = now();
      if (session === undefined || lifeLeft(session, time) <= 0) return undefined;
      if (time - session.seenAt < TOUCH_EVERY_MS) return session;
      const touched = { ...session, seenAt: time };
      await store.set(digest, touched, lifeLeft(touched, time));
      return touched;
    },
    end: (id) => store.delete(digestOf(id)),
  };
}
