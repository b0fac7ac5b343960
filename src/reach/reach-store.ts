import { detached } from '../core/detached-string.js';
import { SENDS_KEPT, type InteractionKind, type WindowRecord } from './customer-service-window.js';
import type { GrantRecord } from './grants.js';

/** A user's answer about a notice template: from a popup, the settings page, or a delivery report. */
export type GrantAnswer = 'accept' | 'reject';

/**
 * What the server knows of reaching each user of one account: the customer-service
 * window (interactions, sends, refusals) and the notice grants. The two calls made on the
 * webhook's path (`interacted`, `answered`) never wait and never throw.
 */
export interface ReachStore {
  /** The user interacted at `at` (ms): a message, or an event that opens an allowance. */
  interacted(openid: string, kind: InteractionKind, at: number): void;
  /** The user accepted or rejected a template (a reject also drops a grant after a failed delivery). */
  answered(openid: string, templateId: string, answer: GrantAnswer): void;
  /** `count` customer-service messages went to the user at `at`. */
  sent(openid: string, at: number, count: number): Promise<void>;
  /** WeChat answered 45015/45047 for the user at `at`: closed until the next interaction. */
  refused(openid: string, at: number): Promise<void>;
  /** A notice went out on a one-time grant: one fewer left (none is made up when there is no record). */
  usedGrant(openid: string, templateId: string): Promise<void>;
  window(openid: string): Promise<WindowRecord | undefined>;
  grants(openid: string): Promise<ReadonlyMap<string, GrantRecord>>;
}

/** Users remembered in the process per account; the least recently seen go first (Redis keeps them all). */
export const MEMORY_REACH_USERS = 20_000;

interface UserReach {
  /** The openid as the map keeps it: a copy made once (the caller's may be a slice of a message). */
  readonly key: string;
  message?: number;
  event?: number;
  refused?: number;
  sends: number[];
  readonly grants: Map<string, GrantRecord>;
}

/** The process's own memory of reach, bounded to the `max` users seen last. */
export function createMemoryReachStore(max = MEMORY_REACH_USERS): ReachStore {
  const users = new Map<string, UserReach>();

  /** The user's entry, made the most recent; the least recent past `max` is forgotten. */
  function touch(openid: string): UserReach {
    let user = users.get(openid);
    if (user === undefined) {
      // Kept for hours: a copy, not a slice that would keep the whole message alive.
      user = { key: detached(openid), sends: [], grants: new Map() };
      if (users.size >= max) users.delete(users.keys().next().value as string);
    } else {
      users.delete(openid);
    }
    users.set(user.key, user);
    return user;
  }

  return {
    interacted(openid, kind, at) {
      const user = touch(openid);
      if ((user[kind] ?? -Infinity) < at) user[kind] = at;
    },
    answered(openid, templateId, answer) {
      const { grants } = touch(openid);
      const held = grants.get(templateId);
      grants.set(
        templateId,
        answer === 'accept'
          ? { status: 'accept', remaining: (held?.status === 'accept' ? held.remaining : 0) + 1 }
          : { status: 'reject', remaining: 0 },
      );
    },
    async sent(openid, at, count) {
      const user = touch(openid);
      for (let i = 0; i < count; i++) user.sends.push(at);
      if (user.sends.length > SENDS_KEPT) user.sends.splice(0, user.sends.length - SENDS_KEPT);
    },
    async refused(openid, at) {
      touch(openid).refused = at;
    },
    async usedGrant(openid, templateId) {
      const held = users.get(openid)?.grants.get(templateId);
      if (held !== undefined && held.remaining > 0) users.get(openid)?.grants.set(templateId, { ...held, remaining: held.remaining - 1 });
    },
    async window(openid) {
      const user = users.get(openid);
      if (user === undefined) return undefined;
      return { message: user.message, event: user.event, refused: user.refused, sends: [...user.sends] };
    },
    async grants(openid) {
      return new Map(users.get(openid)?.grants);
    },
  };
}
