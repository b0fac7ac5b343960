/**
 * The library entry point: everything an application needs to run the server inside
 * its own code, or to mount the webhook in its own Express app.
 */
export { createApp, wechatMiddleware, type AppOptions, type WeChatApp, type WeChatMiddleware } from './app.js';
export { loadConfig, type Config, type LogLevel } from './core/config.js';
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
  SessionUnavailableError,
  UnopenableMessageError,
  UsedStatesFullError,
  WeChatApiError,
  WeChatUnreachableError,
  WebhookRequestError,
  type ErrorCode,
  type UnopenableReason,
} from './core/errors.js';
/** @deprecated Renamed LockTimeoutError (code `lock_timeout`): every lock shared through Redis times out with it. */
export { LockTimeoutError as TokenLockTimeoutError } from './core/errors.js';
export { createLogger } from './core/logger.js';
export { createMetrics, REPLY_SECONDS_BUCKETS, type Metrics, type MetricsRecorder, type MessageOutcome } from './core/metrics.js';
export { createServices, type ServiceOptions, type Services } from './services.js';
export { webhookRouter } from './http/wechat-middleware.js';
export { wechatUsers, wechatUser, requireWeChatUser, type RequireWeChatUserOptions } from './http/wechat-user.js';
export { escapeHtml } from './pages/html.js';
export { createUserCookie, USER_COOKIE, USER_TTL_MS, type UserCookie, type WeChatUser } from './http/user-cookie.js';

export {
  createReplyRouter,
  type Handler,
  type HandlerContext,
  type HandlerResult,
  type MessageKey,
  type MessagesByKey,
  type ReplyRouter,
} from './replies/router.js';
export { defaultReply } from './replies/default-rules.js';
export type { Session } from './replies/conversations.js';
export { MAX_SESSION_BYTES, type JsonShaped, type JsonValue } from './replies/session-value.js';
export {
  createMemorySessionStore,
  type HeldSession,
  type MemorySessionStore,
  type MemorySessionStoreOptions,
  type SessionStore,
} from './replies/session-store.js';
export { createMemoryRetryStore, type RetryStore, type Claim } from './replay-memory/retry-store.js';
export { NO_REPLY, type RecordedReply } from './replay-memory/recorded-reply.js';

export type * from './protocol/message-types.js';
export { isKnownMessage } from './protocol/message-types.js';
/** @deprecated Renamed InboundMessage, so as not to shadow node:http's IncomingMessage. */
export type { InboundMessage as IncomingMessage } from './protocol/message-types.js';
export type * from './protocol/reply-types.js';
export { buildReplyXml, cdata } from './protocol/build-reply.js';
export { parseXml } from './protocol/parse-xml.js';
export { toMessage } from './protocol/to-message.js';
export { sign, verifySignature } from './protocol/signature.js';
export { createMessageCipher, type MessageCipher } from './protocol/cipher.js';

export { AccessToken, type AccessTokenOptions } from './wechat-api/access-token.js';
export { FreshCredential, type FreshCredentialOptions, type FetchedCredential, type Refusal } from './wechat-api/fresh-credential.js';
export { createJsapiTicket, type JsapiTicketOptions } from './wechat-api/jsapi-ticket.js';
export { signJssdk, createNonceStr, type JssdkSignInput } from './protocol/jssdk-signature.js';
export { createMemoryTokenStore, type StoredToken, type TokenStore } from './wechat-api/token-store.js';
export { createMemoryUsedStates, USED_STATES_MAX_BYTES, type MemoryUsedStates, type UsedStates } from './replay-memory/used-states.js';
export type { ApiClient } from './wechat-api/client.js';
export { createWeChatApi, type WeChatApi, type WeChatApiOptions } from './wechat-api/create-api.js';
export { sendCustomMessage, splitText } from './wechat-api/custom-message.js';
export { createQrCode, type QrCode, type QrCodeRequest } from './wechat-api/qrcode.js';

// The account's API for other services (/api), as library calls.
export { sendTemplateMessage, type TemplateMessage } from './wechat-api/template-message.js';
export { getAllPrivateTemplates, templatePlaceholders, type PrivateTemplate, type Placeholder } from './wechat-api/templates.js';
export { createTemplateCatalog, TEMPLATE_CACHE_MS, type TemplateCatalog } from './wechat-api/template-catalog.js';
export { checkTemplateData, THING_MAX_CHARS } from './wechat-api/check-template-data.js';
export { uploadMedia, MEDIA_LIMIT_BYTES, MEDIA_TYPES, type MediaType, type MediaFile, type UploadedMedia } from './wechat-api/media.js';
export { getUser, getFollowerPage, listUsers, type UserInfo, type FollowerPage } from './wechat-api/users.js';
