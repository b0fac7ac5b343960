import { XMLParser } from 'fast-xml-parser';
import { createWeChatSide } from '../../src/testing.js';
import { TEST_TOKEN } from './start-app.js';
import { sha1Signature } from './wechat-crypto.js';

export { sha1Signature };

/** The two parties of the tests' messages. */
export const ACCOUNT = 'gh_account';
export const USER = 'o_user_openid';

/** WeChat's side in plaintext, from the package's `./testing`. */
const plaintext = createWeChatSide({ token: TEST_TOKEN, account: ACCOUNT, user: USER });

/** A query string signed as WeChat signs a plaintext message (`./testing`), plus `extra`. */
export function signedQuery(extra: Record<string, string> = {}, token = TEST_TOKEN): string {
  const wechat = token === TEST_TOKEN ? plaintext : createWeChatSide({ token, account: ACCOUNT, user: USER });
  const params = new URLSearchParams(wechat.signRequest('').query);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  return params.toString();
}

let nextMsgId = 6349323426230210000n;
/** A fresh 64-bit MsgId, as WeChat's. */
export function freshMsgId(): string {
  nextMsgId += 1n;
  return String(nextMsgId);
}

let nextCreateTime = 1_700_000_000;

/**
 * A message as WeChat pushes it (`./testing`): `fields` in CDATA after the common header.
 * Each gets its own CreateTime, so that two events are never taken for a retry of each other.
 */
export function messageXml(msgType: string, fields: Record<string, string> = {}): string {
  return plaintext.messageXml({ ...fields, CreateTime: nextCreateTime++, MsgType: msgType });
}

export function textXml(content: string, msgId = freshMsgId()): string {
  return messageXml('text', { Content: content, MsgId: msgId });
}

export function eventXml(event: string, fields: Record<string, string> = {}): string {
  return messageXml('event', { Event: event, ...fields });
}

/** POSTs a body to the webhook with a valid signature (unless `query` is given). */
export function postToWebhook(baseUrl: string, body: string | Buffer, query = signedQuery()): Promise<Response> {
  return fetch(`${baseUrl}/wechat?${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml' },
    body,
  });
}

const replyParser = new XMLParser({ parseTagValue: false, trimValues: false, isArray: (name) => name === 'item' });

/** Reads a reply's XML into its fields (an independent parser, not src/'s). */
export function readReply(xml: string): Record<string, unknown> {
  const document = replyParser.parse(xml, true) as { xml?: Record<string, unknown> };
  if (document.xml === undefined) throw new Error(`not a reply: ${xml}`);
  return document.xml;
}

/** POSTs a signed message and returns the reply's fields; fails unless 200 XML. */
export async function exchange(baseUrl: string, xml: string): Promise<Record<string, unknown>> {
  const response = await postToWebhook(baseUrl, xml);
  const text = await response.text();
  if (response.status !== 200 || !response.headers.get('content-type')?.startsWith('application/xml')) {
    throw new Error(`expected a 200 XML reply, got ${response.status}: ${text}`);
  }
  return readReply(text);
}
