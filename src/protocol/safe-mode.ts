import { randomInt } from 'node:crypto';
import { cdata } from './build-reply.js';
import { DecryptError, MessageXmlError, UnopenableMessageError } from '../core/errors.js';
import type { Decrypted, MessageCipher } from './cipher.js';
import type { InboundMessage } from './message-types.js';
import { parseXml } from './parse-xml.js';
import { sign, verifySignature } from './signature.js';
import { toMessage } from './to-message.js';

/** "00" to "99". */
const DIGIT_PAIRS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));

/**
 * A nonce as WeChat makes them: a string of (ten) digits. `randomInt` draws from a block
 * of the CSPRNG that Node keeps, so a reply makes no call of its own into it. The digits
 * are put together from pairs rather than by `String(number)`: V8 keeps each number it
 * turns into a string in a cache that outlives the young generation, so every reply's
 * nonce was promoted to the old one (a fifth of what safe mode promoted, measured).
 */
function freshNonce(): string {
  let n = randomInt(0, 2 ** 32);
  let nonce = '';
  for (let i = 0; i < 5; i++) {
    nonce += DIGIT_PAIRS[n % 100] as string;
    n = Math.floor(n / 100);
  }
  return nonce;
}

/**
 * Wraps a reply's XML for safe mode: encrypted, signed with a fresh timestamp and nonce,
 * as `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`.
 */
export function sealReply(
  cipher: MessageCipher,
  token: string,
  appId: string,
  xml: string,
  now: Date = new Date(),
  nonce: string = freshNonce(),
): string {
  const encrypted = cipher.encrypt(xml, appId);
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signature = sign(token, timestamp, nonce, encrypted);
  return (
    `<xml><Encrypt>${cdata(encrypted)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature>` +
    `<TimeStamp>${timestamp}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`
  );
}

/** How every sealed reply begins (sealReply's envelope); a plaintext reply begins `<xml><ToUserName>`. */
const SEALED_REPLY_START = Buffer.from('<xml><Encrypt>');

/** True when a reply's bytes are sealReply's envelope rather than a plaintext reply. */
export function isSealedReply(reply: Buffer): boolean {
  return reply.length >= SEALED_REPLY_START.length && SEALED_REPLY_START.compare(reply, 0, SEALED_REPLY_START.length) === 0;
}

/** The reply XML that sealReply wrapped in `sealed`. Throws UnopenableMessageError or DecryptError when it is not one. */
export function unsealReply(cipher: MessageCipher, sealed: string): string {
  return cipher.decrypt(readEncryptField(sealed)).xml;
}

/**
 * WeChat's envelopes are small: `ToUserName` and `Encrypt` in safe mode, plus a
 * plaintext copy of the message (a few dozen elements at most) in compatible mode.
 * A body with more tags than this is not WeChat's, and is refused unparsed.
 */
const MAX_ENVELOPE_TAGS = 256;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** True for the whitespace XML allows between elements. */
function isXmlSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/**
 * Reads the `Encrypt` field of a safe- or compatible-mode body without parsing it: a
 * linear scan that accepts only WeChat's envelope (an `<xml>` root, few tags, exactly
 * one `Encrypt` of base64, bare or in CDATA), so that nothing is parsed before
 * `msg_signature` has vouched for the body. Throws UnopenableMessageError otherwise.
 */
export function readEncryptField(body: string): string {
  let start = 0;
  let end = body.length;
  while (start < end && isXmlSpace(body.charCodeAt(start))) start += 1;
  while (end > start && isXmlSpace(body.charCodeAt(end - 1))) end -= 1;
  if (!body.startsWith('<xml>', start) || !body.endsWith('</xml>', end)) throw new UnopenableMessageError('envelope');
  let tags = 0;
  for (let at = body.indexOf('<', start); at !== -1 && at < end; at = body.indexOf('<', at + 1)) {
    if (++tags > MAX_ENVELOPE_TAGS) throw new UnopenableMessageError('envelope');
  }
  const open = body.indexOf('<Encrypt>', start);
  const close = open === -1 ? -1 : body.indexOf('</Encrypt>', open);
  if (close === -1 || body.indexOf('<Encrypt>', open + 1) !== -1) throw new UnopenableMessageError('envelope');
  let value = body.slice(open + '<Encrypt>'.length, close);
  if (value.startsWith('<![CDATA[') && value.endsWith(']]>')) value = value.slice('<![CDATA['.length, -']]>'.length);
  if (!BASE64.test(value)) throw new UnopenableMessageError('envelope');
  return value;
}

/** The query parameters that sign an encrypted message. */
export interface SealedRequest {
  readonly msgSignature: string;
  readonly timestamp: string;
  readonly nonce: string;
}

/**
 * Opens an encrypted message: reads `Encrypt`, checks `msg_signature` over it, decrypts
 * it, checks the AppID (when one is expected) and parses the message inside. Throws
 * UnopenableMessageError, whatever went wrong.
 */
export function openMessage(
  cipher: MessageCipher,
  token: string,
  expectedAppId: string | undefined,
  request: SealedRequest,
  body: string,
): { message: InboundMessage; appId: string } {
  const decrypted = openSealed(cipher, token, expectedAppId, request, body);
  try {
    return { message: toMessage(parseXml(decrypted.xml)), appId: decrypted.appId };
  } catch (error) {
    if (error instanceof MessageXmlError) throw new UnopenableMessageError('message');
    throw error;
  }
}

/**
 * The XML inside an encrypted body, not yet parsed: reads `Encrypt`, checks
 * `msg_signature` over it, decrypts it and checks the AppID (when one is expected).
 * Throws UnopenableMessageError, whatever went wrong. `openMessage` parses a message
 * from it; the open platform's pushes, which are not messages, parse their own.
 */
export function openSealed(
  cipher: MessageCipher,
  token: string,
  expectedAppId: string | undefined,
  request: SealedRequest,
  body: string,
): Decrypted {
  const encrypted = readEncryptField(body);
  if (!verifySignature(request.msgSignature, token, request.timestamp, request.nonce, encrypted)) {
    throw new UnopenableMessageError('msg_signature');
  }
  let decrypted: Decrypted;
  try {
    decrypted = cipher.decrypt(encrypted);
  } catch (error) {
    if (error instanceof DecryptError) throw new UnopenableMessageError('ciphertext');
    throw error;
  }
  if (expectedAppId !== undefined && decrypted.appId !== expectedAppId) throw new UnopenableMessageError('appid');
  return decrypted;
}
