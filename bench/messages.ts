import { encrypt, sign } from './wechat-crypto.js';
import { ACCOUNT, APP_ID, TOKEN, WECHAT_PATH } from './settings.js';

/** What the server must answer to one request. */
export interface Expectation {
  /** The message's FromUserName: the reply's ToUserName. */
  readonly user: string;
  /** The reply's text Content; undefined when the answer must be `success`. */
  readonly content: string | undefined;
  /** Safe mode: the reply must be encrypted and signed. */
  readonly safe: boolean;
}

/** One request as the load generator sends it. */
export interface Outgoing {
  readonly path: string;
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

/** A plaintext POST: signature over (token, timestamp, nonce), the XML as the body. */
export function plainRequest(xml: string, user: string, seq: number): { path: string; body: Buffer } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String((seq * 7919) % 1_000_000_007);
  const signature = sign(TOKEN, timestamp, nonce);
  return {
    path: `${WECHAT_PATH}?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&openid=${user}`,
    body: Buffer.from(xml, 'utf8'),
  };
}

/** A safe-mode POST: only ToUserName and Encrypt in the body, msg_signature in the query. */
export function safeRequest(xml: string, user: string, seq: number): { path: string; body: Buffer } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String((seq * 7919) % 1_000_000_007);
  const encrypted = encrypt(xml, APP_ID);
  const signature = sign(TOKEN, timestamp, nonce);
  const msgSignature = sign(TOKEN, timestamp, nonce, encrypted);
  const body = `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
  return {
    path:
      `${WECHAT_PATH}?signature=${signature}&timestamp=${timestamp}&nonce=${nonce}&openid=${user}` +
      `&encrypt_type=aes&msg_signature=${msgSignature}`,
    body: Buffer.from(body, 'utf8'),
  };
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
