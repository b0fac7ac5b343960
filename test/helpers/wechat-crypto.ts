import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { XMLParser } from 'fast-xml-parser';
import { createWeChatSide, type WeChatSide } from '../../src/testing.js';

/** WeChat's signature: hex SHA-1 of the parts sorted and joined, computed apart from src/. */
export function sha1Signature(...parts: string[]): string {
  return createHash('sha1')
    .update([...parts].sort().join(''))
    .digest('hex');
}

/**
 * WeChat's side of safe mode, written here independently of src/protocol so that the
 * tests hold the server to the scheme and not to itself: the oracle that opens and
 * checks the server's replies, and makes the malformed ciphertexts WeChat never sends.
 * Well-formed requests come from the package's `./testing` (`request`), which the
 * tests of that entry hold to this oracle.
 */
export class WeChatCrypto {
  private readonly key: Buffer;
  #side: WeChatSide | undefined;
  constructor(
    private readonly encodingAesKey: string,
    readonly token: string,
    readonly appId: string,
  ) {
    this.key = Buffer.from(encodingAesKey + '=', 'base64');
  }

  encrypt(xml: string, options: { random?: Buffer; appId?: string; lengthDelta?: number; badPadding?: boolean } = {}): string {
    const random = options.random ?? randomBytes(16);
    const xmlBytes = Buffer.from(xml);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(xmlBytes.length + (options.lengthDelta ?? 0));
    const content = Buffer.concat([random, length, xmlBytes, Buffer.from(options.appId ?? this.appId)]);
    const amount = 32 - (content.length % 32);
    const padding = Buffer.alloc(amount, amount);
    // A padding byte that disagrees with the last one (or, for one byte, claims two).
    if (options.badPadding) padding[0] = amount === 1 ? 2 : amount - 1;
    const cipher = createCipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
    cipher.setAutoPadding(false);
    return Buffer.concat([cipher.update(Buffer.concat([content, padding])), cipher.final()]).toString('base64');
  }

  /** The XML and AppID inside an `Encrypt` field; throws when it is not well framed. */
  decrypt(encrypted: string): { xml: string; appId: string } {
    const decipher = createDecipheriv('aes-256-cbc', this.key, this.key.subarray(0, 16));
    decipher.setAutoPadding(false);
    const plain = Buffer.concat([decipher.update(Buffer.from(encrypted, 'base64')), decipher.final()]);
    const pad = plain[plain.length - 1] ?? 0;
    if (pad < 1 || pad > 32) throw new Error(`bad padding ${pad}`);
    const content = plain.subarray(0, plain.length - pad);
    const end = 20 + content.readUInt32BE(16);
    if (end > content.length) throw new Error('length field past the end');
    return { xml: content.subarray(20, end).toString(), appId: content.subarray(end).toString() };
  }

  /**
   * A safe-mode request for `xml`: its query string and body, from `./testing` (with
   * `plaintextCopy`, compatible mode's). With `encrypted`, that ciphertext is sent,
   * signed, in place of the XML's: one `./testing` would never make.
   */
  request(xml: string, options: { plaintextCopy?: boolean; encrypted?: string } = {}): { query: string; body: string } {
    if (options.encrypted === undefined) {
      this.#side ??= createWeChatSide({
        token: this.token,
        encodingAesKey: this.encodingAesKey,
        appId: this.appId,
        account: 'gh_account',
        user: 'o_user_openid',
      });
      return this.#side.signRequest(xml, { compatible: options.plaintextCopy });
    }
    const { encrypted } = options;
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE());
    const query = new URLSearchParams({
      signature: sha1Signature(this.token, timestamp, nonce),
      timestamp,
      nonce,
      openid: 'o_user_openid',
      encrypt_type: 'aes',
      msg_signature: sha1Signature(this.token, timestamp, nonce, encrypted),
    }).toString();
    const copy = options.plaintextCopy ? xml.replace(/^<xml>|<\/xml>$/g, '') : '<ToUserName><![CDATA[gh_account]]></ToUserName>';
    return { query, body: `<xml>${copy}<Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` };
  }

  /** Checks an encrypted reply as WeChat would: signature, then decryption and AppID. */
  openReply(replyXml: string): string {
    const fields = new XMLParser({ parseTagValue: false, trimValues: false }).parse(replyXml, true).xml as Record<string, string>;
    const { Encrypt, MsgSignature, TimeStamp, Nonce } = fields;
    if (!Encrypt || !MsgSignature || !TimeStamp || !Nonce) throw new Error(`not an encrypted reply: ${replyXml}`);
    if (sha1Signature(this.token, TimeStamp, Nonce, Encrypt) !== MsgSignature) throw new Error('bad MsgSignature');
    const { xml, appId } = this.decrypt(Encrypt);
    if (appId !== this.appId) throw new Error(`reply encrypted for ${appId}`);
    return xml;
  }
}
