import { RejectedResponseError } from './rejected-response-error.js';
import type { RawFields } from '../protocol/message-types.js';
import { parseXml } from '../protocol/parse-xml.js';
import { verifySignature } from '../protocol/signature.js';
import type { SigningKeys } from './sign-request.js';

/** A response WeChat would accept. */
export interface CheckedReply {
  /** The reply's fields, or undefined for `success` (no reply). */
  readonly reply: RawFields | undefined;
  /** The reply XML as sent (decrypted in safe mode). */
  readonly xml: string;
}

/** The two parties of the message answered: the reply goes back from `account` to `user`. */
export interface Parties {
  readonly account: string;
  readonly user: string;
}

/**
 * Checks an answer to `parties.user`'s message as WeChat would, throwing
 * RejectedResponseError with the reason: HTTP 200, `success` (or nothing) or well-formed
 * reply XML; in safe mode encrypted, with a valid MsgSignature and the right AppID; the
 * parties swapped; a MsgType.
 */
export function checkReply(status: number, body: string, keys: SigningKeys, parties: Parties): CheckedReply {
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
  if (fields.ToUserName !== parties.user || fields.FromUserName !== parties.account) {
    throw new RejectedResponseError(
      `the reply's parties are not swapped (ToUserName "${String(fields.ToUserName)}", FromUserName "${String(fields.FromUserName)}")`,
    );
  }
  if (typeof fields.MsgType !== 'string' || fields.MsgType === '') throw new RejectedResponseError('the reply has no MsgType');
  return { reply: fields, xml };
}
