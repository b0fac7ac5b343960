import type { Logger } from 'pino';
import type { IncomingMessage } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import { defaultReply } from './default-rules.js';
import type { ReplyRouter } from './router.js';

export interface ResponderOptions {
  readonly router: ReplyRouter;
  /** Answer with the contract's default rules when no handler did (default true). */
  readonly defaultRules: boolean;
  readonly fallbackReply: string;
}

/** What became of one message, for the log line. */
export type Outcome = 'reply' | 'no-reply' | 'handler-error';

export interface Answer {
  readonly reply: Reply | null;
  readonly outcome: Outcome;
}

/**
 * Runs the application's handlers, then the default rules, for one message. A handler
 * that throws is logged with the message's type and id and answered "no reply".
 */
export function createResponder(options: ResponderOptions) {
  const { router, defaultRules, fallbackReply } = options;
  return async function respond(message: IncomingMessage, log: Logger): Promise<Answer> {
    try {
      let reply = await router.route(message, { log });
      if (reply === undefined) reply = defaultRules ? defaultReply(message, fallbackReply) : null;
      return { reply, outcome: reply === null ? 'no-reply' : 'reply' };
    } catch (error) {
      log.error({ err: error }, 'the message handler threw; answered "success"');
      return { reply: null, outcome: 'handler-error' };
    }
  };
}

export type Responder = ReturnType<typeof createResponder>;
