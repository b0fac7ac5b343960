import type { Logger } from 'pino';
import { maskedOpenid } from '../core/masked-openid.js';
import type { Outcome } from '../core/outcome.js';
import type { AnswerObserver } from '../http/webhook.js';
import type { InboundMessage } from '../protocol/message-types.js';
import { parseXml } from '../protocol/parse-xml.js';

/** One message as the console's live stream shows it: no full openid, follower text as data. */
export interface LiveMessage {
  readonly account: string;
  /** When it was answered (ISO 8601). */
  readonly time: string;
  /** `text`, `image`, `event.subscribe`, … */
  readonly type: string;
  /** The sender, masked (first 4 and last 4 characters). */
  readonly openid: string;
  readonly outcome: Outcome;
  /** Time to answer, in milliseconds. */
  readonly ms: number;
  /** The follower's text, for a text message. */
  readonly content: string | null;
  /** What went back: the reply's type and its text (a text reply's content, an article's title, a hand-over's agent). */
  readonly reply: { readonly type: string; readonly text: string } | null;
}

/** A watcher of the stream: the accounts it may see, where each message goes, and how many were not shown. */
export interface LiveWatcher {
  readonly accounts: ReadonlySet<string>;
  send(message: LiveMessage): void;
  /** Messages of its accounts answered in the last second but past LIVE_PER_SECOND, so not shown. */
  skipped(count: number): void;
}

/**
 * Messages shown a second, at most, for all watchers together; the others are only
 * counted, per account, and each watcher is told its accounts' count once a second.
 * A person reads a few messages a second and the page keeps 200; formatting every
 * message of a busy account cost a quarter more CPU per message (BENCHMARKS.md), which
 * a console left open on a desk must not cost the webhook.
 */
export const LIVE_PER_SECOND = 20;
/** Characters of a follower's text or a reply's kept in the stream. */
const MAX_TEXT = 600;

export interface LiveFeed extends AnswerObserver {
  /** Starts sending `watcher` the messages of its accounts; the returned function stops it. */
  watch(watcher: LiveWatcher): () => void;
}

const clip = (text: string): string => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}…` : text);

function typeOf(message: InboundMessage): string {
  const { MsgType: msgType } = message;
  return msgType === 'event' && typeof message.raw.Event === 'string' ? `event.${message.raw.Event}` : msgType;
}

function replyOf(xml: string | undefined): LiveMessage['reply'] {
  if (xml === undefined) return null;
  const fields = parseXml(xml);
  const type = typeof fields.MsgType === 'string' ? fields.MsgType : 'unknown';
  if (type === 'text' && typeof fields.Content === 'string') return { type, text: clip(fields.Content) };
  if (type === 'transfer_customer_service') {
    // The agent chosen, or nothing: the console names the hand-over itself.
    const info: unknown = fields.TransInfo;
    const agent = typeof info === 'object' && info !== null ? (info as Record<string, unknown>).KfAccount : undefined;
    return { type, text: typeof agent === 'string' ? clip(agent) : '' };
  }
  const articles: unknown = fields.Articles;
  const item: unknown = typeof articles === 'object' && articles !== null ? (articles as Record<string, unknown>).item : undefined;
  const first: unknown = Array.isArray(item) ? (item as unknown[])[0] : item;
  const title = typeof first === 'object' && first !== null ? (first as Record<string, unknown>).Title : undefined;
  return { type, text: typeof title === 'string' ? clip(title) : type };
}

const accountsOf = (watchers: ReadonlySet<LiveWatcher>): Set<string> => new Set([...watchers].flatMap((watcher) => [...watcher.accounts]));

/**
 * The console's live stream of answered messages, off the webhook's hot path: while no
 * one watches, the webhook asks `watching` and nothing else happens; while someone
 * does, each message is queued as it was answered and formatted on a later turn of the
 * event loop, after the answer has gone out — LIVE_PER_SECOND of them a second; past
 * that a message costs a count.
 */
export function createLiveFeed(logger: Logger): LiveFeed {
  const watchers = new Set<LiveWatcher>();
  /** The accounts some watcher may see: another account's messages neither show nor use the rate. */
  let watched = new Set<string>();
  const pending: (() => LiveMessage)[] = [];
  let scheduled = false;
  /** Messages queued in the current second. */
  let shown = 0;
  /** Messages not shown in the current second, by account. */
  const skipped = new Map<string, number>();
  let ticker: NodeJS.Timeout | undefined;

  /** A new second: the count starts again, and each watcher hears what its accounts had skipped. */
  function tick(): void {
    shown = 0;
    if (skipped.size === 0) return;
    for (const watcher of watchers) {
      let count = 0;
      for (const [account, n] of skipped) if (watcher.accounts.has(account)) count += n;
      if (count > 0) watcher.skipped(count);
    }
    skipped.clear();
  }

  function flush(): void {
    scheduled = false;
    const batch = pending.splice(0, pending.length);
    for (const make of batch) {
      let message: LiveMessage;
      try {
        message = make();
      } catch (error) {
        logger.debug({ err: error }, 'a message could not be shown on the live stream');
        continue;
      }
      for (const watcher of watchers) if (watcher.accounts.has(message.account)) watcher.send(message);
    }
  }

  return {
    get watching() {
      return watchers.size > 0;
    },
    answered(account, message, outcome, ms, reply) {
      if (!watched.has(account.name)) return;
      if (shown >= LIVE_PER_SECOND) {
        skipped.set(account.name, (skipped.get(account.name) ?? 0) + 1);
        return;
      }
      shown += 1;
      const time = new Date().toISOString();
      pending.push(() => ({
        account: account.name,
        time,
        type: typeOf(message),
        openid: maskedOpenid(message.FromUserName),
        outcome,
        ms: Math.round(ms * 100) / 100,
        content: message.MsgType === 'text' && typeof message.raw.Content === 'string' ? clip(message.raw.Content) : null,
        reply: replyOf(reply()),
      }));
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    watch(watcher) {
      watchers.add(watcher);
      watched = accountsOf(watchers);
      ticker ??= setInterval(tick, 1000).unref();
      return () => {
        watchers.delete(watcher);
        watched = accountsOf(watchers);
        if (watchers.size > 0 || ticker === undefined) return;
        clearInterval(ticker);
        ticker = undefined;
        shown = 0;
        skipped.clear();
      };
    },
  };
}
