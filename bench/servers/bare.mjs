// The least correct work a plaintext WeChat webhook can do, on bare node:http: verify the
// SHA-1 signature, pull ToUserName/FromUserName/Content out of the body, and answer the
// text reply with the parties swapped. The floor the benchmark measures CPU against.
import { Buffer } from 'node:buffer';
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';
import { URLSearchParams } from 'node:url';

const TOKEN = process.env.WECHAT_TOKEN ?? '';
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

function signatureValid(query) {
  const signature = query.get('signature');
  const timestamp = query.get('timestamp');
  const nonce = query.get('nonce');
  if (signature === null || timestamp === null || nonce === null) return undefined;
  const expected = Buffer.from(createHash('sha1').update([TOKEN, timestamp, nonce].sort().join('')).digest('hex'));
  const received = Buffer.from(signature.toLowerCase());
  return received.length === expected.length && timingSafeEqual(received, expected);
}

createServer((req, res) => {
  if (req.method !== 'POST') return answer(res, 405, 'method not allowed');
  const url = req.url ?? '/';
  const valid = signatureValid(new URLSearchParams(url.slice(url.indexOf('?') + 1)));
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
    const to = field(xml, 'ToUserName');
    const from = field(xml, 'FromUserName');
    const content = field(xml, 'Content');
    if (to === undefined || from === undefined || content === undefined) return answer(res, 400, 'bad message');
    const reply =
      `<xml><ToUserName>${cdata(from)}</ToUserName><FromUserName>${cdata(to)}</FromUserName>` +
      `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
      `<Content>${cdata(content)}</Content></xml>`;
    answer(res, 200, reply, 'application/xml; charset=utf-8');
  });
}).listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
