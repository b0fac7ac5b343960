import type { Logger } from 'pino';
import type { ApiClient } from '../api/client.js';
import type {
  ClickEvent,
  FileMessage,
  ImageMessage,
  IncomingMessage,
  LinkMessage,
  LocationEvent,
  LocationMessage,
  MassSendJobFinishEvent,
  ScanCodeEvent,
  ScanEvent,
  SendPicsEvent,
  ShortVideoMessage,
  SubscribeEvent,
  SubscribeMessageEvent,
  TemplateSendJobFinishEvent,
  TextMessage,
  UnknownMessage,
  UnsubscribeEvent,
  VideoMessage,
  ViewEvent,
  VoiceMessage,
} from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import { keyOf } from '../protocol/to-message.js';

/** The message a handler registered under each key receives. */
export interface MessagesByKey {
  text: TextMessage;
  image: ImageMessage;
  voice: VoiceMessage;
  video: VideoMessage;
  shortvideo: ShortVideoMessage;
  location: LocationMessage;
  link: LinkMessage;
  file: FileMessage;
  'event.subscribe': SubscribeEvent;
  'event.unsubscribe': UnsubscribeEvent;
  'event.SCAN': ScanEvent;
  'event.LOCATION': LocationEvent;
  'event.CLICK': ClickEvent;
  'event.VIEW': ViewEvent;
  'event.scancode_push': ScanCodeEvent;
  'event.scancode_waitmsg': ScanCodeEvent;
  'event.pic_sysphoto': SendPicsEvent;
  'event.pic_photo_or_album': SendPicsEvent;
  'event.pic_weixin': SendPicsEvent;
  'event.TEMPLATESENDJOBFINISH': TemplateSendJobFinishEvent;
  'event.MASSSENDJOBFINISH': MassSendJobFinishEvent;
  'event.subscribe_msg_popup_event': SubscribeMessageEvent;
  'event.subscribe_msg_change_event': SubscribeMessageEvent;
  'event.subscribe_msg_sent_event': SubscribeMessageEvent;
  /** Every message or event whose type this server does not know. */
  unknown: UnknownMessage;
}
export type MessageKey = keyof MessagesByKey;

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
export type Handler<M extends IncomingMessage = IncomingMessage> = (
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
  route(message: IncomingMessage, context: HandlerContext): HandlerResult | Promise<HandlerResult>;
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
