import { createWeChatSide } from '../src/testing.js';
import { ACCOUNT, AES_KEY, APP_ID, TOKEN } from './settings.js';

/** What the server must answer to one request. */
export interface Expectation {
  /** The message's FromUserName: the reply's ToUserName. */
  readonly user: string;
  /** The reply's text Content; undefined when the answer must be `success`. */
  readonly content: string | undefined;
  /** Safe mode: the reply must be encrypted and signed. */
  readonly safe: boolean;
}

/** One request as the load generator sends it, to the webhook path of its target. */
export interface Outgoing {
  /** The signed query string, without `?`. */
  readonly query: string;
  readonly body: Buffer;
  readonly expect: Expectation;
}

// MsgIds are 19-digit strings, unique for the life of this process (and so of every
// server it starts): the start second, then a counter.
const idPrefix = String(Math.floor(Date.now() / 1000));
let sequence = 0;

/** A fresh sequence number; every message built from it is distinct. */
export function nextSequence(): number {
  sequence += 1;
  return sequence;
}

export function msgIdOf(seq: number): string {
  return idPrefix + String(seq).padStart(9, '0');
}

/** One of 1,000 followers, shaped like a real OpenID (28 characters). */
export function userOf(seq: number): string {
  return `oBenchFollower_${String(seq % 1000).padStart(13, '0')}`;
}

export function textXml(seq: number, user: string, content: string): string {
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgIdOf(seq)}</MsgId></xml>`
  );
}

export function eventXml(user: string, createTime: number, event: string, eventKey: string | undefined): string {
  const key = eventKey === undefined ? '' : `<EventKey><![CDATA[${eventKey}]]></EventKey>`;
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[${event}]]></Event>${key}</xml>`
  );
}

/** Chinese text with the sequence number in it, so that each echo is checkable. */
export function textContent(seq: number): string {
  return `压测消息第${seq}条：你好，微信公众号！欢迎关注🙂`;
}

/** WeChat's side in each mode, from the package's `./testing`: it signs, and in safe mode encrypts. */
const plaintext = createWeChatSide({ token: TOKEN, account: ACCOUNT });
const safe = createWeChatSide({ token: TOKEN, encodingAesKey: AES_KEY, appId: APP_ID, account: ACCOUNT });

/** A nonce of digits, distinct for each sequence number. */
function nonceOf(seq: number): string {
  return String((seq * 7919) % 1_000_000_007);
}

/** A plaintext POST: signature over (token, timestamp, nonce), the XML as the body. */
export function plainRequest(xml: string, user: string, seq: number): { query: string; body: Buffer } {
  const { query, body } = plaintext.signRequest(xml, { user, nonce: nonceOf(seq) });
  return { query, body: Buffer.from(body, 'utf8') };
}

/** A safe-mode POST: only ToUserName and Encrypt in the body, msg_signature in the query. */
export function safeRequest(xml: string, user: string, seq: number): { query: string; body: Buffer } {
  const { query, body } = safe.signRequest(xml, { user, nonce: nonceOf(seq) });
  return { query, body: Buffer.from(body, 'utf8') };
}

/** A text message with a fresh MsgId that expects its Content echoed. */
export function freshTextMessage(safe: boolean): Outgoing {
  const seq = nextSequence();
  const user = userOf(seq);
  const content = textContent(seq);
  const xml = textXml(seq, user, content);
  const request = safe ? safeRequest(xml, user, seq) : plainRequest(xml, user, seq);
  return { ...request, expect: { user, content, safe } };
}
