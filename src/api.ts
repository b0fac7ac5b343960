/**
 * `wechat-oa-server/api`: calls to WeChat's API, outside a handler too (a deploy script,
 * a cron job). `createWeChatApi(config)` is the client the server uses; each call is a
 * function taking its `client`, with WeChat's field names.
 */
export { createWeChatApi, type WeChatApi, type WeChatApiOptions } from './wechat-api/create-api.js';
export type { ApiClient } from './wechat-api/client.js';
export type { ApiRequest, WeChatResponseBody } from './wechat-api/transport.js';
export type { ApiConfig } from './core/config.js';
export type { AccessToken, AccessTokenSource } from './wechat-api/access-token.js';
export { createMemoryTokenStore, type StoredToken, type TokenStore } from './wechat-api/token-store.js';
export { sendCustomMessage, splitText } from './wechat-api/custom-message.js';
export type * from './protocol/reply-types.js';
export { createQrCode, type QrCode, type QrCodeRequest } from './wechat-api/qrcode.js';
export { sendTemplateMessage, type TemplateMessage } from './wechat-api/template-message.js';
export { getAllPrivateTemplates, templatePlaceholders, type PrivateTemplate, type Placeholder } from './wechat-api/templates.js';
export {
  createTemplateCatalog,
  createNoticeCatalog,
  TEMPLATE_CACHE_MS,
  type Catalog,
  type CatalogTemplate,
  type NoticeCatalog,
  type NoticeCatalogTemplate,
  type TemplateCatalog,
} from './wechat-api/template-catalog.js';
export {
  checkTemplateData,
  NOTICE_RULES,
  TEMPLATE_MESSAGE_RULES,
  THING_MAX_CHARS,
  type ValueRule,
} from './wechat-api/check-template-data.js';
export {
  addNoticeTemplate,
  deleteNoticeTemplate,
  getNoticeCategories,
  getNoticeTemplates,
  grantKindOf,
  sendNotice,
  type GrantKind,
  type NoticeCategory,
  type NoticeMessage,
  type NoticeTemplate,
} from './wechat-api/notices.js';
export { uploadMedia, MEDIA_LIMIT_BYTES, MEDIA_TYPES, type MediaType, type MediaFile, type UploadedMedia } from './wechat-api/media.js';
export {
  getUser,
  getFollowerPage,
  listUsers,
  updateRemark,
  REMARK_MAX_BYTES,
  type UserInfo,
  type FollowerPage,
} from './wechat-api/users.js';
export {
  getTags,
  createTag,
  renameTag,
  deleteTag,
  tagUsers,
  untagUsers,
  getUserTagIds,
  getTagFollowerPage,
  MAX_TAGS,
  TAG_NAME_MAX_BYTES,
  MAX_OPENIDS_PER_TAGGING,
  MAX_TAGS_PER_USER,
  SYSTEM_TAG_IDS,
  type Tag,
  type TagFollowerPage,
} from './wechat-api/tags.js';
export {
  getBlacklistPage,
  blacklistUsers,
  unblacklistUsers,
  MAX_OPENIDS_PER_BLACKLISTING,
  type BlacklistPage,
} from './wechat-api/blacklist.js';
export type { UserProfile, WebAccessToken, WebAuthorization } from './wechat-api/oauth.js';
