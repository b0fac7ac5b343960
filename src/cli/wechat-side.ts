import { randomBytes } from 'node:crypto';
import { buildMessageXml } from '../protocol/build-message.js';
import type { MessageCipher } from '../protocol/cipher.js';
import type { EventMessage, RawFields, WeChatMessage } from '../protocol/message-types.js';
import { parseXml } from '../protocol/parse-xml.js';
import { sign, verifySignature } from '../protocol/signature.js';
import { RejectedResponseError } from './cli-errors.js';

/** The two parties of a simulated conversation: the user unless `--from` names another. */
export const ACCOUNT = 'gh_simulated_account';
export const USER = 'o_simulated_user_openid';

/** An openid as WeChat writes them (28 letters, digits, `-` and `_`), with room for made-up ones. */
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;

/** Whether `value` can stand for a user: what `--from` accepts. */
export function isOpenId(value: string): boolean {
  return OPENID.test(value);
}

/** A simulated message's fields: its MsgType and Event are the protocol's own. */
type SimulatedFields = { readonly MsgType: WeChatMessage['MsgType']; readonly Event?: EventMessage['Event'] } & Record<string, string>;

/** A message kind of the simulator (a command word, not a routing key), and how to build its fields. */
const KINDS: Readonly<Record<string, { usage: string; fields(args: string[]): SimulatedFields | undefined }>> = {
  text: { usage: 'text <content>', fields: (args) => (args.length > 0 ? { MsgType: 'text', Content: args.join(' ') } : undefined) },
  voice: {
    usage: 'voice [recognition]',
    fields: (args) => ({
      MsgType: 'voice',
      MediaId: 'simulated_voice_media_id',
      Format: 'amr',
      ...(args.length > 0 ? { Recognition: args.join(' ') } : {}),
    }),
  },
  image: {
    usage: 'image <mediaId>',
    fields: ([mediaId]) => (mediaId ? { MsgType: 'image', PicUrl: 'http://mmbiz.qpic.cn/simulated.jpg', MediaId: mediaId } : undefined),
  },
  subscribe: {
    usage: 'subscribe [scene]',
    fields: ([scene]) => ({
      MsgType: 'event',
      Event: 'subscribe',
      ...(scene ? { EventKey: `qrscene_${scene}`, Ticket: 'simulated_ticket' } : {}),
    }),
  },
  scan: {
    usage: 'scan <scene>',
    fields: ([scene]) => (scene ? { MsgType: 'event', Event: 'SCAN', EventKey: scene, Ticket: 'simulated_ticket' } : undefined),
  },
  unsubscribe: { usage: 'unsubscribe', fields: () => ({ MsgType: 'event', Event: 'unsubscribe' }) },
  // A menu's buttons: click sends its key, view the URL it opens.
  click: { usage: 'click <key>', fields: ([key]) => (key ? { MsgType: 'event', Event: 'CLICK', EventKey: key } : undefined) },
  view: { usage: 'view <url>', fields: ([url]) => (url ? { MsgType: 'event', Event: 'VIEW', EventKey: url } : undefined) },
  location: {
    usage: 'location <x> <y> <label>',
    fields: ([x, y, ...label]) =>
      x && y && label.length > 0 ? { MsgType: 'location', Location_X: x, Location_Y: y, Scale: '15', Label: label.join(' ') } : undefined,
  },
};

export const USAGE = Object.values(KINDS).map((kind) => kind.usage);

/** Builds a message of `kind` from `user` as WeChat would, or undefined when the arguments do not fit. */
export function buildMessage(kind: string, args: string[], user = USER, now = new Date()): string | undefined {
  const fields = Object.hasOwn(KINDS, kind) ? KINDS[kind]?.fields(args) : undefined;
  if (fields === undefined) return undefined;
  const createTime = Math.floor(now.getTime() / 1000);
  const standard = fields.MsgType !== 'event';
  return buildMessageXml({
    ToUserName: ACCOUNT,
    FromUserName: user,
    CreateTime: createTime,
    ...fields,
    // A 64-bit id like WeChat's.
    ...(standard ? { MsgId: randomBytes(8).readBigUInt64BE() >> 1n } : {}),
  });
}

export interface Keys {
  readonly token: string;
  readonly appId: string;
  readonly cipher: MessageCipher | undefined;
}

/** Signs (and with a cipher, encrypts) a message from `user`: the query string and body to POST. */
export function signRequest(xml: string, keys: Keys, user = USER): { query: string; body: string } {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = String(randomBytes(4).readUInt32BE());
  const params = new URLSearchParams({ signature: sign(keys.token, timestamp, nonce), timestamp, nonce, openid: user });
  if (keys.cipher === undefined) return { query: params.toString(), body: xml };
  const encrypted = keys.cipher.encrypt(xml, keys.appId);
  params.set('encrypt_type', 'aes');
  params.set('msg_signature', sign(keys.token, timestamp, nonce, encrypted));
  return { query: params.toString(), body: buildMessageXml({ ToUserName: ACCOUNT, Encrypt: encrypted }) };
}

export interface CheckedResponse {
  /** The reply's fields, or undefined for `success` (no reply). */
  readonly reply: RawFields | undefined;
  /** The reply XML as sent (decrypted in safe mode). */
  readonly xml: string;
}

/**
 * Checks an answer to `user`'s message as WeChat would, throwing RejectedResponseError
 * with the reason: HTTP 200, `success` or well-formed reply XML, in safe mode encrypted
 * with a valid MsgSignature and the right AppID, and the parties swapped.
 */
export function checkResponseAsWeChat(status: number, body: string, keys: Keys, user = USER): CheckedResponse {
  if (status !== 200) throw new RejectedResponseError(`the server answered HTTP ${status}: ${body.slice(0, 200)}`);
  if (body === '' || body === 'success') return { reply: undefined, xml: body };
  let fields: RawFields;
  try {
    fields = parseXml(body);
  } catch (error) {
    throw new RejectedResponseError(`the answer is not well-formed XML: ${(error as Error).message}`);
  }
  let xml = body;
  if (keys.cipher !== undefined) {
    const { Encrypt, MsgSignature, TimeStamp, Nonce } = fields;
    if (typeof Encrypt !== 'string' || typeof MsgSignature !== 'string' || typeof TimeStamp !== 'string' || typeof Nonce !== 'string') {
      throw new RejectedResponseError(
        'the answer to an encrypted message is not an encrypted reply (Encrypt, MsgSignature, TimeStamp, Nonce)',
      );
    }
    if (!verifySignature(MsgSignature, keys.token, TimeStamp, Nonce, Encrypt)) {
      throw new RejectedResponseError('the reply’s MsgSignature does not verify with WECHAT_TOKEN');
    }
    let decrypted;
    try {
      decrypted = keys.cipher.decrypt(Encrypt);
    } catch (error) {
      throw new RejectedResponseError(`the reply does not decrypt: ${(error as Error).message}`);
    }
    if (decrypted.appId !== keys.appId)
      throw new RejectedResponseError(`the reply is encrypted for AppID "${decrypted.appId}", not "${keys.appId}"`);
    xml = decrypted.xml;
    try {
      fields = parseXml(xml);
    } catch (error) {
      throw new RejectedResponseError(`the decrypted reply is not well-formed XML: ${(error as Error).message}`);
    }
  }
  if (fields.ToUserName !== user || fields.FromUserName !== ACCOUNT) {
    throw new RejectedResponseError(
      `the reply's parties are not swapped (ToUserName "${String(fields.ToUserName)}", FromUserName "${String(fields.FromUserName)}")`,
    );
  }
  if (typeof fields.MsgType !== 'string' || fields.MsgType === '') throw new RejectedResponseError('the reply has no MsgType');
  return { reply: fields, xml };
}
