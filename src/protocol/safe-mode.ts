import { cdata } from './build-reply.js';
import type { MessageCipher } from './cipher.js';
import { randomPoolBytes } from './random-pool.js';
import { sign } from './signature.js';

/** A nonce as WeChat makes them: a string of digits. */
function freshNonce(): string {
  return String(randomPoolBytes(4).readUInt32BE());
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
