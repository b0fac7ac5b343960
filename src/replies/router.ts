import type { Logger } from 'pino';
import type { ApiClient } from '../api/client.js';
import type { InboundMessage, MessageKey, MessagesByKey } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import { keyOf } from '../protocol/to-message.js';

export type { MessageKey, MessagesByKey };

/** What a handler is given besides the message. */
export interface HandlerContext {
  /** A logger already bound to the message's type and id. */
  readonly log: Logger;
  /** WeChat's API (customer-service messages, …); undefined without AppID and AppSecret. */
  readonly api: ApiClient | undefined;
}

/**
 * A handler answers a Reply, `null` for "no reply" (WeChat gets `success`), or
 * `undefined` to let the next handler (and finally the default rules) answer.
 */
export type HandlerResult = Reply | null | undefined;
export type Handler<M extends InboundMessage = InboundMessage> = (
  message: M,
  context: HandlerContext,
) => HandlerResult | Promise<HandlerResult>;

interface Route {
  readonly key: string | undefined;
  readonly handler: Handler;
}

export interface ReplyRouter {
  /** Handles one message type (`'text'`) or event (`'event.subscribe'`). */
  on<K extends MessageKey>(key: K, handler: Handler<MessagesByKey[K]>): ReplyRouter;
  /** Handles every message, in the order handlers were added. */
  use(handler: Handler): ReplyRouter;
  /**
   * Runs the matching handlers in order; `undefined` when none answered. Synchronous
   * while the handlers are, so that the common case costs no promise and no timer.
   */
  route(message: InboundMessage, context: HandlerContext): HandlerResult | Promise<HandlerResult>;
}

/** True for a promise (or any thenable) a handler returned. */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}

/** Creates an empty router; the app falls back to the default rules after it. */
export function createReplyRouter(): ReplyRouter {
  const routes: Route[] = [];
  const router: ReplyRouter = {
    on(key, handler) {
      routes.push({ key, handler: handler as Handler });
      return router;
    },
    use(handler) {
      routes.push({ key: undefined, handler });
      return router;
    },
    route(message, context) {
      const key = 'unknown' in message ? 'unknown' : keyOf(message);
      const runFrom = (start: number): HandlerResult | Promise<HandlerResult> => {
        for (let i = start; i < routes.length; i++) {
          const route = routes[i]!;
          if (route.key !== undefined && route.key !== key) continue;
          const result = route.handler(message, context);
          if (isPromiseLike(result)) return Promise.resolve(result).then((value) => (value !== undefined ? value : runFrom(i + 1)));
          if (result !== undefined) return result;
        }
        return undefined;
      };
      return runFrom(0);
    },
  };
  return router;
}
