import { XMLParser } from 'fast-xml-parser';
import { randomBytes } from 'node:crypto';
import { TEST_TOKEN } from './start-app.js';
import { sha1Signature } from './wechat-crypto.js';

export { sha1Signature };

/** A query string signed as WeChat signs it. */
export function signedQuery(extra: Record<string, string> = {}, token = TEST_TOKEN): string {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(6).toString('hex');
  const params = new URLSearchParams({ signature: sha1Signature(token, timestamp, nonce), timestamp, nonce, ...extra });
  return params.toString();
}

let nextMsgId = 6349323426230210000n;
/** A fresh 64-bit MsgId, as WeChat's. */
export function freshMsgId(): string {
  nextMsgId += 1n;
  return String(nextMsgId);
}

function field(name: string, value: string): string {
  return `<${name}><![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]></${name}>`;
}

let nextCreateTime = 1_700_000_000;

/**
 * A message as WeChat pushes it: `fields` in CDATA after the common header. Each gets
 * its own CreateTime, so that two events are never taken for a retry of each other.
 */
export function messageXml(msgType: string, fields: Record<string, string> = {}): string {
  const body = Object.entries(fields)
    .map(([name, value]) => field(name, value))
    .join('');
  return (
    `<xml>${field('ToUserName', 'gh_account')}${field('FromUserName', 'o_user_openid')}` +
    `<CreateTime>${nextCreateTime++}</CreateTime>${field('MsgType', msgType)}${body}</xml>`
  );
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
