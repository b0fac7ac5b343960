import { buildMessageXml } from '../protocol/build-message.js';
import { cdata } from '../protocol/build-reply.js';
import type { MessageCipher } from '../protocol/cipher.js';
import { sign } from '../protocol/signature.js';

/** What WeChat signs (and in safe mode encrypts) its requests with. */
export interface SigningKeys {
  readonly token: string;
  readonly appId: string;
  /** Present in safe mode: the request is encrypted, and the reply must be. */
  readonly cipher: MessageCipher | undefined;
}

/** The request's own values: WeChat's are a Unix time in seconds and a string of digits. */
export interface RequestValues {
  readonly timestamp: string;
  readonly nonce: string;
  /** The sender's openid, as WeChat adds it to the query. */
  readonly user: string;
  /** The account, the envelope's `ToUserName` in safe mode. */
  readonly account: string;
  /** Compatible mode: the message's fields in clear beside `Encrypt`. */
  readonly compatible: boolean;
}

/** A request as WeChat sends it: POST `<webhook>?<query>` with `body`. */
export interface SignedRequest {
  /** `signature`, `timestamp`, `nonce`, `openid`; in safe mode `encrypt_type` and `msg_signature` too. */
  readonly query: string;
  /** The message XML, or in safe mode its envelope with `Encrypt`. */
  readonly body: string;
}

/**
 * Signs `xml` as WeChat does: in plaintext, `signature` over token, timestamp and nonce,
 * the XML as the body; in safe mode the XML encrypted into an `Encrypt` envelope, with
 * `encrypt_type=aes` and `msg_signature` over the `Encrypt` field too.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Message_encryption_and_decryption_instructions.html
 */
export function signRequest(xml: string, keys: SigningKeys, values: RequestValues): SignedRequest {
  const { token, cipher } = keys;
  const { timestamp, nonce } = values;
  const params = new URLSearchParams({ signature: sign(token, timestamp, nonce), timestamp, nonce, openid: values.user });
  if (cipher === undefined) return { query: params.toString(), body: xml };
  const encrypted = cipher.encrypt(xml, keys.appId);
  params.set('encrypt_type', 'aes');
  params.set('msg_signature', sign(token, timestamp, nonce, encrypted));
  const body = values.compatible
    ? `${xml.replace(/<\/xml>\s*$/, '')}<Encrypt>${cdata(encrypted)}</Encrypt></xml>`
    : buildMessageXml({ ToUserName: values.account, Encrypt: encrypted });
  return { query: params.toString(), body };
}

/** The query of WeChat's GET that checks a server's URL: it must answer `echostr`. */
export function verificationQuery(echostr: string, token: string, timestamp: string, nonce: string): string {
  return new URLSearchParams({ signature: sign(token, timestamp, nonce), echostr, timestamp, nonce }).toString();
}
