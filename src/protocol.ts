/**
 * `wechat-oa-server/protocol`: WeChat's wire format, without HTTP. Signatures, the
 * safe-mode cipher, parsing a message and building a reply, the JS-SDK signature.
 */
export { sign, verifySignature } from './protocol/signature.js';
export { createMessageCipher, type Decrypted, type MessageCipher } from './protocol/cipher.js';
export { parseXml } from './protocol/parse-xml.js';
export { toMessage } from './protocol/to-message.js';
export { buildReplyXml, type ReplyParties } from './protocol/build-reply.js';
export { signJssdk, createNonceStr, type JssdkSignInput } from './protocol/jssdk-signature.js';
export type * from './protocol/message-types.js';
export { isKnownMessage } from './protocol/message-types.js';
export type * from './protocol/reply-types.js';
