import type { Expectation } from './messages.js';
import { ACCOUNT, APP_ID, TOKEN } from './settings.js';
import { decrypt, sign } from './wechat-crypto.js';

/** The text of an element, CDATA or plain; undefined when it is absent. */
function field(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return match === null ? undefined : (match[1] ?? match[2]);
}

/** Opens a safe-mode reply: checks MsgSignature and the AppID, returns the inner XML. */
function openSealed(body: string): string {
  const encrypted = field(body, 'Encrypt');
  const signature = field(body, 'MsgSignature');
  const timestamp = field(body, 'TimeStamp');
  const nonce = field(body, 'Nonce');
  if (encrypted === undefined || signature === undefined || timestamp === undefined || nonce === undefined) {
    throw new Error('not a sealed reply (Encrypt/MsgSignature/TimeStamp/Nonce)');
  }
  if (sign(TOKEN, timestamp, nonce, encrypted) !== signature) throw new Error('MsgSignature does not match');
  const { xml, appId } = decrypt(encrypted);
  if (appId !== APP_ID) throw new Error(`reply encrypted for AppID "${appId}"`);
  return xml;
}

/** Why a response is wrong, or undefined when it is right. */
export function replyProblem(status: number, body: string, expect: Expectation): string | undefined {
  if (status !== 200) return `status ${status}: ${body.slice(0, 120)}`;
  if (expect.content === undefined) {
    return body === 'success' || body === '' ? undefined : `expected success, got ${body.slice(0, 120)}`;
  }
  let xml = body;
  if (expect.safe) {
    try {
      xml = openSealed(body);
    } catch (error) {
      return `${(error as Error).message}: ${body.slice(0, 120)}`;
    }
  }
  if (field(xml, 'ToUserName') !== expect.user) return `ToUserName is not the sender: ${xml.slice(0, 160)}`;
  if (field(xml, 'FromUserName') !== ACCOUNT) return `FromUserName is not the account: ${xml.slice(0, 160)}`;
  if (field(xml, 'MsgType') !== 'text') return `MsgType is not text: ${xml.slice(0, 160)}`;
  const content = field(xml, 'Content');
  if (content !== expect.content) return `Content "${content}" is not "${expect.content}"`;
  return undefined;
}
