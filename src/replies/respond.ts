import type { Logger } from 'pino';
import type { ApiClient } from '../api/client.js';
import { sendCustomMessage, TEXT_LIMIT_BYTES } from '../api/custom-message.js';
import { WeChatApiError } from '../errors.js';
import { replyProblem } from '../protocol/check-reply.js';
import type { IncomingMessage } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import { raceDeadline } from './deadline.js';
import { defaultReply } from './default-rules.js';
import type { ReplyRouter } from './router.js';

export interface ResponderOptions {
  readonly router: ReplyRouter;
  /** Answer with the contract's default rules when no handler did (default true). */
  readonly defaultRules: boolean;
  readonly fallbackReply: string;
  /** REPLY_TIMEOUT_MS: past it, WeChat gets `success` and the reply goes out later. */
  readonly timeoutMs: number;
  /** The customer-service API, when AppID and AppSecret are configured. */
  readonly api: ApiClient | undefined;
}

/** What became of one message, for the log line. */
export type Outcome = 'reply' | 'no-reply' | 'handler-error' | 'deadline' | 'long-text';

export interface Answer {
  /** The reply to send passively in the HTTP answer, or null for `success`. */
  readonly passive: Reply | null;
  readonly outcome: Outcome;
}

/**
 * Answers one message: the application's handlers, then the default rules, within the
 * deadline. A reply that is late, or a text too long to send passively, goes to the
 * user through the customer-service API instead, and WeChat gets `success`.
 */
export function createResponder(options: ResponderOptions) {
  const { router, defaultRules, fallbackReply, timeoutMs, api } = options;

  async function run(message: IncomingMessage, log: Logger): Promise<{ reply: Reply | null; failed: boolean }> {
    try {
      let reply = await router.route(message, { log, api });
      if (reply === undefined) reply = defaultRules ? defaultReply(message, fallbackReply) : null;
      const problem = reply === null ? undefined : replyProblem(reply);
      if (problem !== undefined) {
        log.error({ problem }, 'the message handler returned something that is not a reply; answered "success"');
        return { reply: null, failed: true };
      }
      return { reply, failed: false };
    } catch (error) {
      log.error({ err: error }, 'the message handler threw; answered "success"');
      return { reply: null, failed: true };
    }
  }

  /** Sends a reply as customer-service message(s); failures are logged, never thrown. */
  async function sendLater(message: IncomingMessage, reply: Reply, log: Logger): Promise<void> {
    if (api === undefined) {
      log.error({ reply: reply.type }, 'a reply could not be sent passively, and without WECHAT_APPID and WECHAT_APPSECRET it cannot go out as a customer-service message: dropped');
      return;
    }
    try {
      await sendCustomMessage(api, message.FromUserName, reply);
      log.info({ reply: reply.type }, 'reply sent as a customer-service message');
    } catch (error) {
      const errcode = error instanceof WeChatApiError ? error.errcode : undefined;
      log.error({ errcode, err: error instanceof Error ? error.message : String(error) }, 'customer-service send failed');
    }
  }

  return async function respond(message: IncomingMessage, log: Logger): Promise<Answer> {
    const work = run(message, log);
    const raced = await raceDeadline(work, timeoutMs);
    if (raced.late) {
      log.warn({ timeoutMs }, 'the handler did not answer in time: answered "success"; its reply will go out as a customer-service message');
      void work.then(({ reply }) => (reply === null ? undefined : sendLater(message, reply, log)));
      return { passive: null, outcome: 'deadline' };
    }
    const { reply, failed } = raced.value;
    if (reply?.type === 'text' && Buffer.byteLength(reply.content) > TEXT_LIMIT_BYTES) {
      void sendLater(message, reply, log);
      return { passive: null, outcome: 'long-text' };
    }
    return { passive: reply, outcome: failed ? 'handler-error' : reply === null ? 'no-reply' : 'reply' };
  }
}

export type Responder = ReturnType<typeof createResponder>;
