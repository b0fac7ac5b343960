import { ClaimsInProgress } from './claims-in-progress.js';
import { NO_REPLY, type RecordedReply } from './recorded-reply.js';
import { ReplyArena } from './reply-arena.js';
import { NO_REPLY_LENGTH, PENDING, SlotRing } from './slot-ring.js';

/** The first delivery of a message records its reply; a retry receives it. */
export type Claim =
  { readonly first: true; settle(reply: RecordedReply): void } | { readonly first: false; readonly recorded: Promise<RecordedReply> };

/**
 * Remembers, for 60 s, which messages were answered and with what, so that WeChat's
 * retries never run a handler twice. In memory here; in Redis when REDIS_URL is set. A
 * store may answer synchronously (the in-memory one does, on the hot path).
 */
export interface RetryStore {
  claim(key: string): Claim | Promise<Claim>;
}

/** How long a retry is recognised (WeChat retries within 15 s; the contract says 60). */
export const RETRY_WINDOW_MS = 60_000;

export interface MemoryRetryStore extends RetryStore {
  claim(key: string): Claim;
  /** Messages remembered now: never more than `maxEntries`. */
  readonly size: number;
}

/** 8 MiB: all of WeChat's retries of a busy account's text replies; RETRY_MEMORY_MB, or Redis, holds more. */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;
/** At most 1 GiB of replies, as RETRY_MEMORY_MB allows. */
const MAX_BYTES = 2 ** 30;
/** Messages remembered per byte of replies: a text reply is a few hundred bytes, `success` none. */
const BYTES_PER_ENTRY = 160;
/** How often expired messages are swept (ms). */
const SWEEP_MS = 1000;

export interface MemoryRetryStoreOptions {
  /** How many bytes of replies are kept at most (default 8 MiB, at most 1 GiB). */
  readonly maxBytes?: number;
  /** How many messages are remembered at most (default one per 160 bytes of `maxBytes`). */
  readonly maxEntries?: number;
  readonly now?: () => number;
}

/**
 * A bounded in-memory store that holds no object per remembered message: the replies'
 * bytes in a `ReplyArena`, each message's slot in a `SlotRing`, and only the messages
 * still being answered in `ClaimsInProgress`. A string, Map entry or Buffer per
 * remembered message would be promoted to V8's old generation and churn it, which
 * multiplied the server's resident memory under load (BENCHMARKS.md).
 */
export function createMemoryRetryStore(options: MemoryRetryStoreOptions = {}): MemoryRetryStore {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxEntries = options.maxEntries ?? Math.max(1, Math.ceil(maxBytes / BYTES_PER_ENTRY));
  const now = options.now ?? Date.now;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) throw new TypeError('maxEntries must be a whole number ≥ 1');
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_BYTES) {
    throw new TypeError('maxBytes must be a whole number from 1 to 2³⁰ (1 GiB)');
  }

  const arena = new ReplyArena(maxBytes);
  const ring = new SlotRing(maxEntries);
  const running = new ClaimsInProgress(({ slot, claim }, reply) => {
    if (reply === NO_REPLY) {
      ring.record(slot, claim, 0, NO_REPLY_LENGTH);
      return;
    }
    const position = arena.write(reply);
    // A reply too large to keep is forgotten: a retry runs the handler again rather than get another reply.
    if (position === -1) {
      if (ring.record(slot, claim, 0, 0)) ring.forget(slot);
      return;
    }
    ring.record(slot, claim, position, reply.length);
  });
  let nextSweep = 0;

  function recorded(slot: number): RecordedReply {
    const length = ring.length(slot);
    return length === NO_REPLY_LENGTH ? NO_REPLY : arena.read(ring.position(slot), length);
  }

  return {
    get size() {
      return ring.size;
    },
    claim(key) {
      const time = now();
      const known = ring.find(key);
      if (known !== -1) {
        const length = ring.length(known);
        if (length === PENDING) {
          // Still being answered: the retry waits for the first delivery's reply. (A
          // pending slot always holds its claim; were it missing, the message would be
          // claimed afresh below rather than wait forever.)
          const inProgress = running.inSlot(known);
          if (inProgress !== undefined) return { first: false, recorded: inProgress.recorded() };
        } else if (ring.expiresAt(known) > time && (length === NO_REPLY_LENGTH || arena.holds(ring.position(known)))) {
          // (A reply whose bytes were written over, far more traffic than the arena
          // holds, is forgotten like an evicted one.)
          return { first: false, recorded: Promise.resolve(recorded(known)) };
        }
        ring.forget(known);
      } else {
        const displaced = running.displaced(key);
        if (displaced !== undefined) return { first: false, recorded: displaced.recorded() };
      }
      if (time >= nextSweep) {
        nextSweep = time + SWEEP_MS;
        ring.sweep(time);
      }
      const reused = ring.slotToReuse;
      if (reused !== -1) running.displace(reused);
      const slot = ring.open(key, time + RETRY_WINDOW_MS);
      return running.start(key, slot, ring.claimOf(slot));
    },
  };
}
