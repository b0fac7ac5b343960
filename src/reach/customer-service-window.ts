import type { InboundMessage } from '../protocol/message-types.js';

/** What a user's message allows: 5 customer-service sends within 48 hours of it. */
export const MESSAGE_ALLOWANCE = { sends: 5, ms: 48 * 60 * 60 * 1000 } as const;
/** What a follow, a scan or a menu click allows: 3 sends within 60 seconds of it. */
export const EVENT_ALLOWANCE = { sends: 3, ms: 60 * 1000 } as const;
/** Sends kept per user: more than any allowance counts. */
export const SENDS_KEPT = 8;

/** The events that open an allowance (no other event opens or extends a window). */
const OPENING_EVENTS: ReadonlySet<string> = new Set(['subscribe', 'SCAN', 'CLICK', 'scancode_push', 'scancode_waitmsg']);

/** Which allowance a message opens: `message` (5 in 48 h), `event` (3 in 60 s), or none. */
export type InteractionKind = 'message' | 'event';

export function interactionOf(message: InboundMessage): InteractionKind | undefined {
  if (message.MsgType !== 'event') return 'message';
  return OPENING_EVENTS.has(message.Event ?? '') ? 'event' : undefined;
}

/** What the server knows of one user's window (times in ms since the epoch). */
export interface WindowRecord {
  /** The `CreateTime` of the user's latest message. */
  readonly message?: number;
  /** The `CreateTime` of the user's latest follow, scan or menu click. */
  readonly event?: number;
  /** When WeChat last answered 45015/45047 for the user. */
  readonly refused?: number;
  /** The customer-service messages sent to the user, oldest first, the latest SENDS_KEPT. */
  readonly sends: readonly number[];
}

/** A user's customer-service window, as `GET /api/users/:openid/reach` shows it. */
export interface WindowState {
  readonly window: 'open' | 'closed' | 'unknown';
  /** When the latest allowance with sends left ends; null when closed or unknown. */
  readonly until: number | null;
  /** Messages sent since the user's latest interaction, forced ones included. */
  readonly sentSinceLatest: number;
  /** Sends left in the most generous allowance in force: 0 when closed, null when unknown. */
  readonly sendsLeft: number | null;
  /** When the user's latest message, follow, scan or menu click was received; null when none is on record. */
  readonly latest: number | null;
}

/**
 * The window at `now`: each allowance (the latest message's, the latest event's) counts
 * the sends since its own interaction, and neither shrinks the other; the window is open
 * while one in force has sends left. A 45015/45047 since the latest interaction closes it.
 * No record at all is `unknown`: the window may have opened before records were kept.
 */
export function windowOf(record: WindowRecord | undefined, now: number): WindowState {
  if (record === undefined || (record.message === undefined && record.event === undefined && record.refused === undefined)) {
    return { window: 'unknown', until: null, sentSinceLatest: record?.sends.length ?? 0, sendsLeft: null, latest: null };
  }
  const latest = Math.max(record.message ?? -Infinity, record.event ?? -Infinity);
  const since = (from: number): number => record.sends.filter((at) => at >= from).length;
  let until: number | null = null;
  let sendsLeft = 0;
  const allowances: [number | undefined, { sends: number; ms: number }][] = [
    [record.message, MESSAGE_ALLOWANCE],
    [record.event, EVENT_ALLOWANCE],
  ];
  if (record.refused === undefined || record.refused < latest) {
    for (const [from, allowance] of allowances) {
      if (from === undefined) continue;
      const ends = startOfSecond(from) + allowance.ms;
      const left = allowance.sends - since(from);
      if (ends <= now || left <= 0) continue;
      sendsLeft = Math.max(sendsLeft, left);
      until = Math.max(until ?? 0, ends);
    }
  }
  return {
    window: sendsLeft > 0 ? 'open' : 'closed',
    until,
    sentSinceLatest: Number.isFinite(latest) ? since(latest) : record.sends.length,
    sendsLeft,
    latest: Number.isFinite(latest) ? latest : null,
  };
}

const startOfSecond = (ms: number): number => ms - (ms % 1000);

/**
 * When an interaction's allowance starts counting sends: the end of its `CreateTime`'s
 * second, or the moment it was received when that is sooner. A send in the same second
 * before the message arrived is not one of its allowance's; one after it is. The
 * allowance ends `CreateTime` + its length, whatever the milliseconds.
 */
export function interactionTime(createTimeS: number, now: number): number {
  return Number.isFinite(createTimeS) && createTimeS > 0 ? Math.min(createTimeS * 1000 + 999, now) : now;
}
