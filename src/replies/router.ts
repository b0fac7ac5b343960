import type { Logger } from 'pino';
import type { ApiClient } from '../wechat-api/client.js';
import type { InboundMessage, MessageKey, MessagesByKey } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import { keyOf } from '../protocol/to-message.js';
import type { Session } from './conversations.js';
import type { JsonShaped, JsonValue } from './session-value.js';
import { isPromiseLike } from '../core/promise-like.js';

export type { MessageKey, MessagesByKey };

/** What a handler is given besides the message; `S` is the shape of its conversations' state. */
/** Which official account a message was sent to: its name (`default` for part one's), and its AppID. */
export interface AccountRef {
  readonly name: string;
  readonly appId: string | undefined;
}

export interface HandlerContext<S = JsonValue> {
  /** The account the message was sent to: one router may serve several. */
  readonly account: AccountRef;
  /** A logger already bound to the message's type and id. */
  readonly log: Logger;
  /** WeChat's API (customer-service messages, …); undefined without AppID and AppSecret. */
  readonly api: ApiClient | undefined;
  /**
   * The state of this user's conversation with the account, kept SESSION_TTL_S after
   * its last use. While a handler runs, the user's next message waits for it.
   */
  readonly session: Session<S>;
}

/**
 * A handler answers a Reply, `null` for "no reply" (WeChat gets `success`), or
 * `undefined` to let the next handler (and finally the default rules) answer.
 */
export type HandlerResult = Reply | null | undefined;
export type Handler<M extends InboundMessage = InboundMessage, S = JsonValue> = (
  message: M,
  context: HandlerContext<S>,
) => HandlerResult | Promise<HandlerResult>;

interface Route<S> {
  readonly key: string | undefined;
  readonly handler: Handler<InboundMessage, S>;
}

/** The handlers of an application whose conversations' state has the shape `S`. */
export interface ReplyRouter<S = JsonValue> {
  /** Handles one message type (`'text'`) or event (`'event.subscribe'`). */
  on<K extends MessageKey>(key: K, handler: Handler<MessagesByKey[K], S>): ReplyRouter<S>;
  /** Handles every message, in the order handlers were added. */
  use(handler: Handler<InboundMessage, S>): ReplyRouter<S>;
  /**
   * Runs the matching handlers in order; `undefined` when none answered. Synchronous
   * while the handlers are, so that the common case costs no promise and no timer.
   */
  route(message: InboundMessage, context: HandlerContext<S>): HandlerResult | Promise<HandlerResult>;
}

export { isPromiseLike } from '../core/promise-like.js';

/**
 * Creates an empty router; the app falls back to the default rules after it. `S` types
 * `context.session`: `createReplyRouter<OrderFlow>()`.
 */
export function createReplyRouter<S extends JsonShaped<S> = JsonValue>(): ReplyRouter<S> {
  const routes: Route<S>[] = [];
  const router: ReplyRouter<S> = {
    on(key, handler) {
      routes.push({ key, handler: handler as Handler<InboundMessage, S> });
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
