import type { Logger } from 'pino';
import type { ResponderOutcome } from '../core/outcome.js';
import type { ApiClient } from '../wechat-api/client.js';
import { MAX_TEXT_PIECES, sendCustomMessage } from '../wechat-api/custom-message.js';
import { WeChatApiError } from '../core/errors.js';
import { emptyRequiredField, replyProblem } from '../protocol/check-reply.js';
import type { InboundMessage } from '../protocol/message-types.js';
import { TEXT_LIMIT_BYTES } from '../protocol/reply-limits.js';
import type { Reply } from '../protocol/reply-types.js';
import { raceDeadline } from './deadline.js';
import { defaultReply } from './default-rules.js';
import type { LazyChildLogger } from '../core/logger.js';
import { isPromiseLike } from '../core/promise-like.js';
import { createConversations, ENDED_SESSION, type Conversations, type Session, type Turn } from './conversations.js';
import type { AccountRef, HandlerContext, HandlerResult, ReplyRouter } from './router.js';
import type { SessionStore } from './session-store.js';

export interface ResponderOptions {
  readonly router: ReplyRouter;
  /** Where conversations' states are kept (`context.session`). */
  readonly sessions: SessionStore;
  /** How long one message's handler may keep its user's conversation from the next (default twice `timeoutMs`). */
  readonly turnLimitMs?: number;
  /** Reply with the contract's default rules when no handler did (default true). */
  readonly defaultRules: boolean;
  readonly fallbackReply: string;
  /** REPLY_TIMEOUT_MS: past it, WeChat gets `success` and the reply goes out later. */
  readonly timeoutMs: number;
  /** The customer-service API, when AppID and AppSecret are configured. */
  readonly api: ApiClient | undefined;
  /** The account whose messages this responder answers (`context.account`). */
  readonly account: AccountRef;
  /** Shows the user "对方正在输入…" (customer-service typing), when the account can. */
  readonly typing?: (openid: string) => void;
  /** TYPING_AFTER_MS: a handler still working after this long shows typing, once (0: never). */
  readonly typingAfterMs?: number;
  /** Told of each customer-service message the responder sent (a late or long reply): the window counts them. */
  readonly customSent?: (openid: string, count: number) => void;
}

/** What the responder decided for one message: the passive reply, and the outcome for the log. */
export interface ResponderResult {
  /** The reply to send passively in the HTTP response, or null for `success`. */
  readonly passive: Reply | null;
  readonly outcome: ResponderOutcome;
}

/**
 * Answers one message: the application's handlers, then the default rules, within the
 * deadline. A reply that is late, or a text too long to send passively, goes to the
 * user through the customer-service API instead, and WeChat gets `success`.
 */
/** What a handler is given: its logger and its turn in the conversation are made only if it uses them. */
class Context implements HandlerContext {
  turn: Turn | undefined;
  /** The handler answered without a turn: a session reached for later has none. */
  over = false;

  constructor(
    readonly account: AccountRef,
    private readonly logs: LazyChildLogger,
    readonly api: ApiClient | undefined,
    private readonly message: InboundMessage,
    private readonly conversations: Conversations,
    turn: Turn | undefined,
  ) {
    this.turn = turn;
  }

  get log(): Logger {
    return this.logs.log;
  }

  get session(): Session {
    if (this.turn === undefined && this.over) return ENDED_SESSION;
    return (this.turn ??= this.conversations.begin(this.message)).session;
  }
}

export function createResponder(options: ResponderOptions) {
  const { router, defaultRules, fallbackReply, timeoutMs, api, account, typing, typingAfterMs = 0, customSent } = options;
  // A late handler keeps its user's conversation as long again as the deadline, at most:
  // then the user's next message goes ahead, and the late handler's session calls fail.
  const conversations = createConversations(options.sessions, options.turnLimitMs ?? 2 * timeoutMs);

  interface Work {
    readonly reply: Reply | null;
    readonly failed: boolean;
  }

  function finish(message: InboundMessage, logs: LazyChildLogger, result: HandlerResult): Work {
    const reply = result === undefined ? (defaultRules ? defaultReply(message, fallbackReply) : null) : result;
    const problem = reply === null ? undefined : replyProblem(reply);
    if (problem !== undefined) {
      logs.log.error({ problem }, 'the message handler returned something that is not a reply; answered "success"');
      return { reply: null, failed: true };
    }
    return { reply: reply === null ? null : valid(reply, logs), failed: false };
  }

  /** The reply, or the fallback text in place of one whose required field is empty, which WeChat would refuse. */
  function valid(reply: Reply, logs: LazyChildLogger): Reply {
    const field = emptyRequiredField(reply);
    if (field === undefined) return reply;
    logs.log.warn(
      { reply: reply.type, field },
      'a reply with an empty required field is not a valid passive reply; answered the fallback text',
    );
    return { type: 'text', content: fallbackReply };
  }

  function failed(logs: LazyChildLogger, error: unknown): Work {
    logs.log.error({ err: error }, 'the message handler threw; answered "success"');
    return { reply: null, failed: true };
  }

  /**
   * The handlers, then the default rules; synchronous when the handlers are and no
   * earlier message of the user is still being handled.
   */
  function run(message: InboundMessage, logs: LazyChildLogger): Work | Promise<Work> {
    const ahead = conversations.ahead(message);
    if (ahead === undefined) return handle(message, logs, undefined);
    const turn = conversations.begin(message);
    return ahead.then(() => handle(message, logs, turn));
  }

  /** Runs the handlers; a handler still running, or that used `session`, has a turn that ends with it. */
  function handle(message: InboundMessage, logs: LazyChildLogger, turn: Turn | undefined): Work | Promise<Work> {
    const context = new Context(account, logs, api, message, conversations, turn);
    let result: HandlerResult | Promise<HandlerResult>;
    try {
      result = router.route(message, context);
    } catch (error) {
      context.over = true;
      context.turn?.close(undefined);
      return failed(logs, error);
    }
    if (isPromiseLike(result)) {
      const work = Promise.resolve(result).then(
        (value) => finish(message, logs, value),
        (error: unknown) => failed(logs, error),
      );
      (context.turn ??= conversations.begin(message)).close(work);
      return work;
    }
    context.over = true;
    context.turn?.close(undefined);
    return finish(message, logs, result);
  }

  /**
   * Sends a reply as customer-service message(s); failures are logged, never thrown. A
   * hand-over has no customer-service form: past the deadline WeChat has had `success`
   * and will not forward the message, so nothing is sent and the loss is logged.
   */
  async function sendLater(message: InboundMessage, reply: Reply, logs: LazyChildLogger): Promise<void> {
    if (reply.type === 'transfer_customer_service') {
      logs.log.error(
        { reply: reply.type },
        'a hand-over to customer service came after the deadline: WeChat already had "success" and a hand-over cannot be sent as a customer-service message, so the message was not handed over',
      );
      return;
    }
    if (api === undefined) {
      logs.log.error(
        { reply: reply.type },
        'a reply could not be sent passively, and without WECHAT_APPID and WECHAT_APPSECRET it cannot go out as a customer-service message: dropped',
      );
      return;
    }
    try {
      const { sent, dropped } = await sendCustomMessage(api, message.FromUserName, reply);
      customSent?.(message.FromUserName, sent);
      logs.log.info({ reply: reply.type, sent }, 'reply sent as a customer-service message');
      if (dropped > 0) {
        logs.log.warn({ dropped, maxPieces: MAX_TEXT_PIECES }, 'a long text was cut: only its first pieces were sent');
      }
    } catch (error) {
      const errcode = error instanceof WeChatApiError ? error.errcode : undefined;
      logs.log.error({ errcode, err: error instanceof Error ? error.message : String(error) }, 'customer-service send failed');
    }
  }

  /** What to answer passively for a reply that came in time. */
  function onTime(message: InboundMessage, logs: LazyChildLogger, { reply, failed: didFail }: Work): ResponderResult {
    if (reply?.type === 'text' && Buffer.byteLength(reply.content) > TEXT_LIMIT_BYTES) {
      inFlight(sendLater(message, reply, logs));
      return { passive: null, outcome: 'long-text' };
    }
    return { passive: reply, outcome: didFail ? 'handler-error' : reply === null ? 'no-reply' : 'reply' };
  }

  /** Replies on their way to the customer-service API, after the HTTP answer. */
  const sending = new Set<Promise<void>>();
  function inFlight(send: Promise<void>): void {
    sending.add(send);
    const done = (): void => void sending.delete(send);
    send.then(done, done);
  }

  function respond(message: InboundMessage, logs: LazyChildLogger): ResponderResult | Promise<ResponderResult> {
    const work = run(message, logs);
    // A handler that answered synchronously cannot be late: no timer needed.
    if (!isPromiseLike(work)) return onTime(message, logs, work);
    if (typing !== undefined && typingAfterMs > 0) {
      const timer = setTimeout(() => typing(message.FromUserName), typingAfterMs);
      const stop = (): void => clearTimeout(timer);
      work.then(stop, stop);
    }
    return raceDeadline(work, timeoutMs).then((raced) => {
      if (!raced.late) return onTime(message, logs, raced.value);
      logs.log.warn(
        { timeoutMs },
        'the handler did not answer in time: answered "success"; its reply will go out as a customer-service message',
      );
      inFlight(
        work
          .then(({ reply }) => (reply === null ? undefined : sendLater(message, reply, logs)))
          .catch((error: unknown) => logs.log.error({ err: error }, 'the late reply could not be sent')),
      );
      return { passive: null, outcome: 'deadline' };
    });
  }

  return Object.assign(respond, {
    /**
     * Resolves once every reply still on its way (late, or a long text in pieces) has
     * been sent or has failed, or after twice the deadline, whichever comes first (a
     * handler that never finishes is not waited for): a shutdown waits for it, so that
     * a deploy drops no reply.
     */
    settled: (): Promise<void> => {
      if (sending.size === 0) return Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2 * timeoutMs)));
      return Promise.race([Promise.allSettled([...sending]).then(() => undefined), limit]).finally(() => clearTimeout(timer));
    },
  });
}

export type Responder = ReturnType<typeof createResponder>;
