import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { CbcContexts } from '../src/protocol/cbc-contexts.js';
import { createMessageCipher } from '../src/protocol/cipher.js';
import { sealReply } from '../src/protocol/safe-mode.js';
import { DecryptError } from '../src/core/errors.js';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { eventXml, messageXml, readReply, sha1Signature, textXml } from './helpers/wechat.js';
import { WeChatCrypto } from './helpers/wechat-crypto.js';

/** A signed request of WeChat's published vectors. */
interface SignedVector {
  encodingAESKey: string;
  token: string;
  appid: string;
  timestamp: string;
  nonce: string;
  msg_signature: string;
}
interface Vector extends SignedVector {
  body: string;
  expected_fields?: Record<string, string>;
  expected_xml?: string;
}
const vectors = JSON.parse(readFileSync(new URL('./fixtures/wechat/crypto-vectors.json', import.meta.url), 'utf8')) as Record<
  string,
  unknown
> & {
  java_encrypt_fixed_random: { encodingAESKey: string; appid: string; random: string; cases: { plaintext: string; ciphertext: string }[] };
  wechatpy_work_crypto: {
    encodingAESKey: string;
    token: string;
    appid: string;
    encrypt_message: { random: string; timestamp: string; nonce: string; plaintext: string; encrypt: string; msg_signature: string };
    decrypt_message: { timestamp: string; nonce: string; msg_signature: string; encrypt: string; expected_fields: Record<string, string> };
  };
  component_docs_example: SignedVector & {
    encrypt: string;
    expected_xml_length: number;
    expected_contains: string;
    reply: { random: string; plaintext: string; encrypt: string; timestamp: string; nonce: string; msg_signature: string };
  };
};

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx_test_appid_0001';

describe('the cipher against WeChat’s published vectors', () => {
  it('encrypts exactly as WeChat’s Java sample with a fixed random prefix', () => {
    const vector = vectors.java_encrypt_fixed_random;
    const cipher = createMessageCipher(vector.encodingAESKey);
    for (const { plaintext, ciphertext } of vector.cases) {
      assert.equal(cipher.encrypt(plaintext, vector.appid, Buffer.from(vector.random)), ciphertext);
      assert.deepEqual(cipher.decrypt(ciphertext), { xml: plaintext, appId: vector.appid });
    }
  });

  it('matches wechatpy’s encrypt and decrypt vectors, signature included', () => {
    const vector = vectors.wechatpy_work_crypto;
    const cipher = createMessageCipher(vector.encodingAESKey);
    const { encrypt_message: enc, decrypt_message: dec } = vector;
    assert.equal(cipher.encrypt(enc.plaintext, vector.appid, Buffer.from(enc.random)), enc.encrypt);
    assert.equal(sha1Signature(vector.token, enc.timestamp, enc.nonce, enc.encrypt), enc.msg_signature);
    assert.equal(sha1Signature(vector.token, dec.timestamp, dec.nonce, dec.encrypt), dec.msg_signature);
    const { xml, appId } = cipher.decrypt(dec.encrypt);
    assert.equal(appId, vector.appid);
    for (const [field, value] of Object.entries(dec.expected_fields))
      assert.ok(xml.includes(`<${field}><![CDATA[${value}]]></${field}>`), field);
  });

  it('decrypts the Open Platform docs example and re-creates its reply', () => {
    const vector = vectors.component_docs_example;
    const cipher = createMessageCipher(vector.encodingAESKey);
    const { xml, appId } = cipher.decrypt(vector.encrypt);
    assert.equal(appId, vector.appid);
    assert.equal(Buffer.byteLength(xml), vector.expected_xml_length);
    assert.ok(xml.includes(vector.expected_contains));
    const { reply } = vector;
    assert.equal(cipher.encrypt(reply.plaintext, vector.appid, Buffer.from(reply.random)), reply.encrypt);
    assert.equal(sha1Signature(vector.token, reply.timestamp, reply.nonce, reply.encrypt), reply.msg_signature);
  });

  it('round-trips random XML under random keys (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.string({ unit: 'grapheme', maxLength: 300 }),
        fc.string({ maxLength: 32 }),
        (keyBytes, xml, appId) => {
          const key = Buffer.from(keyBytes).toString('base64').slice(0, 43);
          const ours = createMessageCipher(key);
          const theirs = new WeChatCrypto(key, 't', appId);
          assert.deepEqual(ours.decrypt(theirs.encrypt(xml)), { xml, appId });
          assert.deepEqual(theirs.decrypt(ours.encrypt(xml, appId)), { xml, appId });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('gives every message the same bytes as a fresh cipher, whatever came before on the same one (property)', () => {
    // One cipher keeps its AES contexts from message to message: what one message leaves
    // in them (a long one, a refused one, one of a single block) must not reach the next.
    const key = AES_KEY;
    const ours = createMessageCipher(key);
    const theirs = new WeChatCrypto(key, 't', APPID);
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('encrypt' as const),
        xml: fc.string({ unit: 'grapheme', maxLength: 400 }),
        random: fc.uint8Array({ minLength: 16, maxLength: 16 }),
      }),
      fc.record({ kind: fc.constant('decrypt' as const), xml: fc.string({ unit: 'grapheme', maxLength: 400 }) }),
      fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 120 }) }),
    );
    fc.assert(
      fc.property(fc.array(step, { minLength: 1, maxLength: 12 }), (steps) => {
        for (const s of steps) {
          if (s.kind === 'encrypt') {
            const random = Buffer.from(s.random);
            assert.equal(ours.encrypt(s.xml, APPID, random), theirs.encrypt(s.xml, { random }));
            assert.deepEqual(theirs.decrypt(ours.encrypt(s.xml, APPID)), { xml: s.xml, appId: APPID });
          } else if (s.kind === 'decrypt') {
            assert.deepEqual(ours.decrypt(theirs.encrypt(s.xml)), { xml: s.xml, appId: APPID });
          } else {
            assert.throws(() => ours.decrypt(Buffer.from(s.bytes).toString('base64')), DecryptError);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('keeps AES-CBC exact on its long-lived contexts, block for block (property)', () => {
    const key = randomBytes(32);
    const iv = key.subarray(0, 16);
    const aes = new CbcContexts(key, iv);
    const fresh = (decrypt: boolean, data: Buffer): Buffer => {
      const context = (decrypt ? createDecipheriv : createCipheriv)('aes-256-cbc', key, iv).setAutoPadding(false);
      return Buffer.concat([context.update(data), context.final()]);
    };
    const blocks = fc.integer({ min: 1, max: 20 }).chain((n) => fc.uint8Array({ minLength: 16 * n, maxLength: 16 * n }));
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), blocks), { minLength: 1, maxLength: 10 }), (steps) => {
        for (const [decrypt, bytes] of steps) {
          const data = Buffer.from(bytes);
          const copy = Buffer.from(data);
          assert.deepEqual(decrypt ? aes.decrypt(data) : aes.encrypt(data), fresh(decrypt, copy));
          assert.deepEqual(data, copy, 'the input is left as it was');
        }
      }),
      { numRuns: 300 },
    );
    assert.throws(() => aes.encrypt(Buffer.alloc(20)), RangeError);
    assert.deepEqual(aes.encrypt(Buffer.alloc(16, 1)), fresh(false, Buffer.alloc(16, 1)), 'exact again after a refusal');
  });

  it('draws a fresh random prefix for every reply', () => {
    const cipher = createMessageCipher(AES_KEY);
    const key = Buffer.from(`${AES_KEY}=`, 'base64');
    const prefixes = new Set<string>();
    // More replies than one draw from the CSPRNG covers (256), so the pool is refilled.
    for (let i = 0; i < 600; i++) {
      const decipher = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      const plaintext = decipher.update(Buffer.from(cipher.encrypt('<xml/>', APPID), 'base64'));
      prefixes.add(plaintext.subarray(0, 16).toString('hex'));
    }
    assert.equal(prefixes.size, 600);
  });

  const malformed: [string, () => string][] = [
    ['not base64', () => '***not base64***'],
    ['not a whole number of blocks', () => Buffer.alloc(40, 1).toString('base64')],
    ['empty', () => ''],
    ['wrong padding', () => new WeChatCrypto(AES_KEY, 't', APPID).encrypt('<xml/>', { badPadding: true })],
    ['a length field past the end', () => new WeChatCrypto(AES_KEY, 't', APPID).encrypt('<xml/>', { lengthDelta: 1000 })],
    ['another key', () => new WeChatCrypto('B'.repeat(43), 't', APPID).encrypt('<xml>x</xml>')],
  ];
  for (const [name, make] of malformed) {
    it(`throws DecryptError for ciphertext that is ${name}`, () => {
      assert.throws(() => createMessageCipher(AES_KEY).decrypt(make()), DecryptError);
    });
  }

  it('never crashes on random ciphertext (property)', () => {
    const cipher = createMessageCipher(AES_KEY);
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (bytes) => {
        try {
          cipher.decrypt(Buffer.from(bytes).toString('base64'));
        } catch (error) {
          assert.ok(error instanceof DecryptError, String(error));
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe('POST /wechat?encrypt_type=aes: WeChat’s published requests', () => {
  for (const name of ['python_sample_compat_request', 'cpp_sample_safe_request', 'csharp_sample_request', 'easywechat_request']) {
    it(`${name} is decrypted, answered, and its reply verifies`, async () => {
      const vector = vectors[name] as Vector;
      const app = await startApp({
        WECHAT_TOKEN: vector.token,
        WECHAT_ENCODING_AES_KEY: vector.encodingAESKey,
        WECHAT_APPID: vector.appid,
        // Signed years ago: the replay window would refuse them.
        SIGNATURE_MAX_AGE_S: '0',
      });
      try {
        const query = new URLSearchParams({
          signature: sha1Signature(vector.token, vector.timestamp, vector.nonce),
          timestamp: vector.timestamp,
          nonce: vector.nonce,
          encrypt_type: 'aes',
          msg_signature: vector.msg_signature,
        });
        const response = await fetch(`${app.url}/wechat?${query}`, { method: 'POST', body: vector.body });
        const text = await response.text();
        assert.equal(response.status, 200, text);
        const crypto = new WeChatCrypto(vector.encodingAESKey, vector.token, vector.appid);
        const reply = readReply(crypto.openReply(text));
        const sent = readReply(crypto.decrypt(/<Encrypt><!\[CDATA\[(.*?)\]\]>/s.exec(vector.body)![1]!).xml);
        assert.equal(reply.MsgType, 'text');
        assert.equal(reply.Content, sent.Content);
        assert.equal(reply.ToUserName, sent.FromUserName);
        assert.equal(reply.FromUserName, sent.ToUserName);
        if (vector.expected_fields?.Content !== undefined) assert.equal(reply.Content, vector.expected_fields.Content);
      } finally {
        await app.close();
      }
    });
  }
});

const UNOPENABLE = 'the encrypted message could not be opened\n';

describe('POST /wechat in safe mode', () => {
  let app: RunningApp;
  const wechat = new WeChatCrypto(AES_KEY, 'safe-token', APPID);
  before(async () => {
    app = await startApp({ WECHAT_TOKEN: 'safe-token', WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID });
  });
  after(() => app.close());

  async function post(query: string, body: string) {
    const response = await fetch(`${app.url}/wechat?${query}`, { method: 'POST', body });
    return { status: response.status, text: await response.text(), type: response.headers.get('content-type') };
  }
  async function encryptedExchange(xml: string, options: { plaintextCopy?: boolean } = {}) {
    const { query, body } = wechat.request(xml, options);
    const response = await post(query, body);
    assert.equal(response.status, 200, response.text);
    return response;
  }

  const rules: [string, string, (reply: Record<string, unknown>) => void][] = [
    ['text', textXml('安全模式 ]]> 0012'), (r) => assert.equal(r.Content, '安全模式 ]]> 0012')],
    [
      'voice',
      messageXml('voice', { MediaId: 'm', Format: 'amr', Recognition: '你好', MsgId: '1' }),
      (r) => assert.equal(r.Content, '你好'),
    ],
    [
      'voice without Recognition',
      messageXml('voice', { MediaId: 'm', Format: 'amr', MsgId: '2' }),
      (r) => assert.equal(r.Content, '未识别'),
    ],
    ['image', messageXml('image', { PicUrl: 'p', MediaId: 'media', MsgId: '3' }), (r) => assert.deepEqual(r.Image, { MediaId: 'media' })],
    ['subscribe', eventXml('subscribe'), (r) => assert.equal(r.Content, '感谢您的关注!')],
    ['subscribe with a scene', eventXml('subscribe', { EventKey: 'qrscene_42' }), (r) => assert.equal(r.Content, '感谢您的关注!场景值:42')],
    ['SCAN', eventXml('SCAN', { EventKey: '42' }), (r) => assert.equal(r.Content, '您扫描的场景值为:42')],
    [
      'link (fallback)',
      messageXml('link', { Title: 't', Description: 'd', Url: 'u', MsgId: '4' }),
      (r) => assert.equal(r.Content, '暂不支持该类型的消息'),
    ],
  ];
  for (const [name, xml, check] of rules) {
    it(`${name}: the reply is encrypted, signed and decrypts to the default rule’s answer`, async () => {
      const response = await encryptedExchange(xml);
      assert.equal(response.type, 'application/xml; charset=utf-8');
      const reply = readReply(wechat.openReply(response.text));
      assert.equal(reply.ToUserName, 'o_user_openid');
      assert.equal(reply.FromUserName, 'gh_account');
      check(reply);
    });
  }

  it('unsubscribe: success stays plaintext', async () => {
    assert.equal((await encryptedExchange(eventXml('unsubscribe'))).text, 'success');
  });

  it('compatible mode: the decrypted message is handled, the plaintext copy ignored', async () => {
    const xml = textXml('the encrypted one');
    const encrypted = wechat.encrypt(xml);
    const { query } = wechat.request(xml, { encrypted });
    const body = `<xml>${textXml('the plaintext copy').slice(5, -6)}<Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
    const response = await post(query, body);
    assert.equal(response.status, 200);
    assert.equal(readReply(wechat.openReply(response.text)).Content, 'the encrypted one');
  });

  it('each reply has a fresh nonce and a current timestamp', async () => {
    const first = readReply((await encryptedExchange(textXml('a'))).text);
    const second = readReply((await encryptedExchange(textXml('b'))).text);
    assert.notEqual(first.Nonce, second.Nonce);
    assert.match(String(first.Nonce), /^[0-9]{10}$/);
    assert.ok(Math.abs(Number(first.TimeStamp) - Date.now() / 1000) < 5);
  });

  it('reply nonces are ten digits, fresh each time: 500 seals, 500 nonces, each place varying', () => {
    const cipher = createMessageCipher(AES_KEY);
    const nonces = Array.from(
      { length: 500 },
      () => /<Nonce><!\[CDATA\[([^\]]*)\]\]><\/Nonce>/.exec(sealReply(cipher, 't', 'wxappid', '<xml/>'))?.[1] ?? '',
    );
    for (const nonce of nonces) assert.match(nonce, /^[0-9]{10}$/);
    assert.equal(new Set(nonces).size, 500);
    for (let place = 0; place < 10; place++) {
      assert.ok(new Set(nonces.map((nonce) => nonce[place])).size >= 3, `place ${place} hardly varies`);
    }
  });

  it('without encrypt_type the message is plaintext even though a key is set', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = 'n';
    const query = `signature=${sha1Signature('safe-token', timestamp, nonce)}&timestamp=${timestamp}&nonce=${nonce}`;
    const response = await post(query, textXml('plain'));
    assert.equal(response.status, 200);
    assert.equal(readReply(response.text).Content, 'plain');
    const raw = await post(
      `signature=${sha1Signature('safe-token', timestamp, 'm')}&timestamp=${timestamp}&nonce=m&encrypt_type=raw`,
      textXml('raw'),
    );
    assert.equal(readReply(raw.text).Content, 'raw');
  });

  it('answers 400 when msg_signature is missing', async () => {
    const { query, body } = wechat.request(textXml('x'));
    const params = new URLSearchParams(query);
    params.delete('msg_signature');
    assert.equal((await post(params.toString(), body)).status, 400);
  });

  it('answers 403 when msg_signature is wrong', async () => {
    const { query, body } = wechat.request(textXml('x'));
    const params = new URLSearchParams(query);
    params.set('msg_signature', sha1Signature('another'));
    assert.equal((await post(params.toString(), body)).status, 403);
  });

  it('answers 403 when the plaintext signature beside it is wrong', async () => {
    const { query, body } = wechat.request(textXml('x'));
    const params = new URLSearchParams(query);
    params.set('signature', sha1Signature('another'));
    assert.equal((await post(params.toString(), body)).status, 403);
  });

  it('answers the same 403 when the body has no Encrypt field', async () => {
    const { query } = wechat.request(textXml('x'));
    const response = await post(query, textXml('x'));
    assert.equal(response.status, 403);
    assert.equal(response.text, UNOPENABLE);
  });

  const tampered: [string, () => string][] = [
    [
      'tampered ciphertext',
      () => {
        const bytes = Buffer.from(wechat.encrypt(textXml('x')), 'base64');
        bytes[bytes.length - 20]! ^= 0xff;
        return bytes.toString('base64');
      },
    ],
    ['wrong padding', () => wechat.encrypt(textXml('x'), { badPadding: true })],
    ['a wrong length field', () => wechat.encrypt(textXml('x'), { lengthDelta: 5000 })],
    ['another AppID', () => wechat.encrypt(textXml('x'), { appId: 'wx_someone_else' })],
    ['another key', () => new WeChatCrypto('Z'.repeat(43), 'safe-token', APPID).encrypt(textXml('x'))],
    ['random bytes', () => randomBytes(96).toString('base64')],
  ];
  for (const [name, make] of tampered) {
    it(`answers 403 to ${name} (correctly signed)`, async () => {
      const encrypted = make();
      const { query, body } = wechat.request('', { encrypted });
      const response = await post(query, body);
      assert.equal(response.status, 403);
      assert.equal(response.text, UNOPENABLE);
    });
  }

  it('answers the same 403 to a decrypted body that is not a message', async () => {
    const { query, body } = wechat.request('not xml at all');
    const response = await post(query, body);
    assert.equal(response.status, 403);
    assert.equal(response.text, UNOPENABLE);
  });

  it('answers 400 and logs the variable when encrypt_type=aes reaches a server without a key', async () => {
    const plain = await startApp({ WECHAT_TOKEN: 'safe-token' });
    try {
      const { query, body } = wechat.request(textXml('x'));
      const response = await fetch(`${plain.url}/wechat?${query}`, { method: 'POST', body });
      assert.equal(response.status, 400);
      assert.ok(plain.logs.some((line) => line.level === 50 && String(line.msg).includes('WECHAT_ENCODING_AES_KEY')));
    } finally {
      await plain.close();
    }
  });

  it('never logs the EncodingAESKey', () => {
    assert.ok(!app.logText().includes(AES_KEY));
  });
});
