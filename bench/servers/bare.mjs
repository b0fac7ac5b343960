// The least correct work a WeChat webhook can do, on bare node:http: verify the SHA-1
// signature, pull ToUserName/FromUserName/Content out of the body, and answer the text
// reply with the parties swapped. In safe mode (encrypt_type=aes) also: verify
// msg_signature over Encrypt, open it with AES-256-CBC, and seal and sign the reply.
// The floors the benchmark measures CPU against, plaintext and safe mode.
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';
import { URLSearchParams } from 'node:url';

const TOKEN = process.env.WECHAT_TOKEN ?? '';
const APP_ID = process.env.WECHAT_APPID ?? '';
const AES_KEY = Buffer.from(`${process.env.WECHAT_ENCODING_AES_KEY ?? ''}=`, 'base64');
const IV = AES_KEY.subarray(0, 16);
const LIMIT = 256 * 1024;

function field(xml, name) {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return match === null ? undefined : (match[1] ?? match[2]);
}

function cdata(value) {
  return `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

function answer(res, status, body, type = 'text/plain') {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function sha1(parts) {
  return createHash('sha1').update(parts.sort().join('')).digest('hex');
}

function sameHex(given, expected) {
  const a = Buffer.from(given.toLowerCase());
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The message inside Encrypt: random(16) ‖ length(4) ‖ message ‖ AppID, PKCS#7 to 32 bytes. */
function open(encrypted) {
  const decipher = createDecipheriv('aes-256-cbc', AES_KEY, IV);
  decipher.setAutoPadding(false);
  const plain = Buffer.concat([decipher.update(encrypted, 'base64'), decipher.final()]);
  const pad = plain[plain.length - 1];
  if (pad < 1 || pad > 32 || plain.length < 20 + pad) return undefined;
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length - pad) return undefined;
  if (plain.toString('utf8', 20 + length, plain.length - pad) !== APP_ID) return undefined;
  return plain.toString('utf8', 20, 20 + length);
}

function seal(xml) {
  const message = Buffer.from(xml);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(message.length);
  const body = Buffer.concat([randomBytes(16), length, message, Buffer.from(APP_ID)]);
  const pad = 32 - (body.length % 32);
  const cipher = createCipheriv('aes-256-cbc', AES_KEY, IV);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(body), cipher.update(Buffer.alloc(pad, pad)), cipher.final()]).toString('base64');
}

function signatureValid(query) {
  const signature = query.get('signature');
  const timestamp = query.get('timestamp');
  const nonce = query.get('nonce');
  if (signature === null || timestamp === null || nonce === null) return undefined;
  const expected = Buffer.from(createHash('sha1').update([TOKEN, timestamp, nonce].sort().join('')).digest('hex'));
  const received = Buffer.from(signature.toLowerCase());
  return received.length === expected.length && timingSafeEqual(received, expected);
}

function textReply(xml) {
  const to = field(xml, 'ToUserName');
  const from = field(xml, 'FromUserName');
  const content = field(xml, 'Content');
  if (to === undefined || from === undefined || content === undefined) return undefined;
  return (
    `<xml><ToUserName>${cdata(from)}</ToUserName><FromUserName>${cdata(to)}</FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content>${cdata(content)}</Content></xml>`
  );
}

/** Safe mode: msg_signature over Encrypt, opened, answered, sealed and signed. */
function safeAnswer(res, query, body) {
  const timestamp = query.get('timestamp');
  const nonce = query.get('nonce');
  const signature = query.get('msg_signature');
  const encrypted = field(body, 'Encrypt');
  if (timestamp === null || nonce === null || signature === null || encrypted === undefined) return answer(res, 400, 'bad message');
  if (!sameHex(signature, sha1([TOKEN, timestamp, nonce, encrypted]))) return answer(res, 403, 'bad signature');
  const xml = open(encrypted);
  const reply = xml === undefined ? undefined : textReply(xml);
  if (reply === undefined) return answer(res, 400, 'bad message');
  const sealed = seal(reply);
  const now = String(Math.floor(Date.now() / 1000));
  const envelope =
    `<xml><Encrypt>${cdata(sealed)}</Encrypt><MsgSignature>${cdata(sha1([TOKEN, now, nonce, sealed]))}</MsgSignature>` +
    `<TimeStamp>${now}</TimeStamp><Nonce>${cdata(nonce)}</Nonce></xml>`;
  answer(res, 200, envelope, 'application/xml; charset=utf-8');
}

createServer((req, res) => {
  if (req.method !== 'POST') return answer(res, 405, 'method not allowed');
  const url = req.url ?? '/';
  const query = new URLSearchParams(url.slice(url.indexOf('?') + 1));
  const valid = signatureValid(query);
  if (valid === undefined) return answer(res, 400, 'missing signature');
  if (!valid) return answer(res, 403, 'bad signature');
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= LIMIT) chunks.push(chunk);
  });
  req.on('end', () => {
    if (size > LIMIT) return answer(res, 413, 'too large');
    const xml = Buffer.concat(chunks).toString('utf8');
    if (query.get('encrypt_type') === 'aes') return safeAnswer(res, query, xml);
    const reply = textReply(xml);
    if (reply === undefined) return answer(res, 400, 'bad message');
    answer(res, 200, reply, 'application/xml; charset=utf-8');
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
