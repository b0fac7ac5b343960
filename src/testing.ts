/**
 * `wechat-oa-server/testing`: WeChat's side of the webhook, for an account's own tests.
 * Build a message, sign it (and in safe mode encrypt it) as WeChat does, POST it to
 * your server, and check the answer as WeChat would:
 *
 *   const wechat = createWeChatSide({ token: config.token });
 *   const { query, body } = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: '你好' }));
 *   const response = await fetch(`${url}/wechat?${query}`, { method: 'POST', body });
 *   const { reply } = wechat.checkReply(response.status, await response.text());
 */
export { createWeChatSide, type SignRequestOptions, type WeChatSide, type WeChatSideOptions } from './testing/wechat-side.js';
export type { CheckedReply } from './testing/check-answer.js';
export type { RawFields, RawValue } from './protocol/message-types.js';
export { RejectedResponseError } from './testing/rejected-response-error.js';
export type { MessageFields } from './testing/message-xml.js';
export type { SignedRequest } from './testing/sign-request.js';
