/**
 * The package's root, `wechat-oa-server`: the app, the webhook as Express middleware,
 * the handler API with the message and reply types, the errors and the configuration.
 * WeChat's wire format is `wechat-oa-server/protocol`, the outbound calls
 * `wechat-oa-server/api`, and WeChat's side for your tests `wechat-oa-server/testing`.
 * etc/*.api.md records each of them: `npm run lint` fails when one changes unrecorded.
 */
export { createApp, wechatMiddleware, type AppOptions, type WeChatApp, type WeChatMiddleware } from './app.js';
export type { AccountOptions } from './accounts/account.js';
export { wechatUsers, wechatUser, requireWeChatUser, type RequireWeChatUserOptions } from './http/wechat-user.js';
export type { WeChatUser } from './http/user-cookie.js';
export type { OAuthScope } from './wechat-api/oauth.js';

export {
  createReplyRouter,
  type Handler,
  type HandlerContext,
  type AccountRef,
  type HandlerResult,
  type MessageKey,
  type MessagesByKey,
  type ReplyRouter,
} from './replies/router.js';
export type { Session } from './replies/conversations.js';
export type { JsonShaped, JsonValue } from './replies/session-value.js';
// What the handlers and the app's options name: the API client, the stores one may pass.
export type { ApiClient } from './wechat-api/client.js';
export type { ApiRequest, WeChatResponseBody } from './wechat-api/transport.js';
export type { StoredToken, TokenStore } from './wechat-api/token-store.js';
export type { Claim, RetryStore } from './replay-memory/retry-store.js';
export type { RecordedReply } from './replay-memory/recorded-reply.js';
export type { MemoryUsedStates, UsedStates } from './replay-memory/used-states.js';
export type * from './protocol/message-types.js';
export { isKnownMessage } from './protocol/message-types.js';
export type * from './protocol/reply-types.js';

export {
  ApiNotConfiguredError,
  ClientGoneError,
  CodedError,
  ConfigError,
  DecryptError,
  InputError,
  isCodedError,
  LockTimeoutError,
  MessageXmlError,
  NotSignedInError,
  QrCodeTooLongError,
  ReauthorizationNeededError,
  SessionUnavailableError,
  StoreUnavailableError,
  TicketMissingError,
  UnopenableMessageError,
  UsedStatesFullError,
  WeChatApiError,
  WeChatUnreachableError,
  WebhookRequestError,
  type ErrorCode,
  type KnownError,
  type UnopenableReason,
} from './core/errors.js';
export { loadConfig, type AddressRange, type ComponentConfig, type Config, type LoadConfigOptions, type LogLevel } from './core/config.js';
