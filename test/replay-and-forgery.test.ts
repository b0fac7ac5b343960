import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Writable } from 'node:stream';
import { createRejectionLog } from '../src/http/rejection-log.js';
import { createMemoryRetryStore } from '../src/replay-memory/retry-store.js';
import { createReplyRouter } from '../src/replies/router.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';
import { WeChatCrypto } from './helpers/wechat-crypto.js';
import { postToWebhook, readReply, sha1Signature, signedQuery, textXml } from './helpers/wechat.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx_replay_test';
const UNOPENABLE = 'the encrypted message could not be opened\n';
const nowS = () => Math.floor(Date.now() / 1000);

/** A query signed for `timestamp` and `nonce` with the test token. */
function queryAt(timestamp: string, nonce = 'n1', extra: Record<string, string> = {}): string {
  return new URLSearchParams({ signature: sha1Signature(TEST_TOKEN, timestamp, nonce), timestamp, nonce, ...extra }).toString();
}

/**
 * Sends a POST's head and only the start of a large body, and reads the status the
 * server answers without waiting for the rest (0 if it waits).
 */
function statusBeforeBody(baseUrl: string, path: string): Promise<number> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(0);
    }, 3000);
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(received);
      if (status) {
        clearTimeout(timer);
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on('error', () => undefined);
    socket.write(`POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/xml\r\nContent-Length: 200000\r\n\r\n<xml>`);
  });
}

describe('replayed and forged messages (plaintext mode)', () => {
  let app: RunningApp;
  const runs = new Map<string, number>();
  let retryClock = Date.now();
  before(async () => {
    const router = createReplyRouter().on('text', (message) => {
      runs.set(message.Content, (runs.get(message.Content) ?? 0) + 1);
      return { type: 'text', content: `got ${message.Content}` };
    });
    app = await startApp({}, { router, retryStore: createMemoryRetryStore({ now: () => retryClock }) });
  });
  after(() => app.close());

  it('answers 400 to a POST without signature, 403 to a wrong one, before reading the body', async () => {
    assert.equal(await statusBeforeBody(app.url, `/wechat?timestamp=${nowS()}&nonce=1`), 400);
    assert.equal(await statusBeforeBody(app.url, `/wechat?signature=${'0'.repeat(40)}&timestamp=${nowS()}&nonce=1`), 403);
    assert.equal(await statusBeforeBody(app.url, `/wechat?${queryAt(String(nowS() - 3600))}`), 403);
    // The control: a correctly signed, current request does wait for its body.
    assert.equal(await statusBeforeBody(app.url, `/wechat?${signedQuery()}`), 0);
  });

  const stale: [string, () => string][] = [
    ['abc', () => 'abc'],
    ['0', () => '0'],
    ['-5', () => '-5'],
    ['1.5', () => '1.5'],
    ['now - 310 s', () => String(nowS() - 310)],
    ['now + 310 s', () => String(nowS() + 310)],
    ['one from 2014', () => '1409304348'],
  ];
  for (const [name, timestamp] of stale) {
    it(`refuses timestamp ${name} with 403, saying the clock may be off`, async () => {
      const response = await postToWebhook(app.url, textXml('late'), queryAt(timestamp()));
      assert.equal(response.status, 403);
      const text = await response.text();
      assert.match(text, /timestamp is outside/);
      assert.match(text, /clock/);
    });
  }

  it('accepts a timestamp within the window, either way', async () => {
    for (const offset of [-280, 280]) {
      const response = await postToWebhook(app.url, textXml(`within ${offset}`), queryAt(String(nowS() + offset), `n${offset}`));
      assert.equal(response.status, 200);
    }
  });

  it('a signed URL reused with another body → 403; the handler never ran for it', async () => {
    const query = signedQuery();
    assert.equal((await postToWebhook(app.url, textXml('original'), query)).status, 200);
    const forged = await postToWebhook(app.url, textXml('forged'), query);
    assert.equal(forged.status, 403);
    assert.equal(runs.get('forged'), undefined);
  });

  it('another spelling of a seen signature (upper case, a letter latin1 folds onto a digit) is refused', async () => {
    const query = signedQuery();
    assert.equal((await postToWebhook(app.url, textXml('spelled'), query)).status, 200);
    const signature = new URLSearchParams(query).get('signature') ?? '';
    const letter = /[a-f]/.exec(signature)?.index ?? 0;
    const respellings = [
      signature.toUpperCase(),
      // A letter plus 0x100 (U+0161 for 'a') is the same byte once encoded as latin1.
      signature.slice(0, letter) + String.fromCharCode(signature.charCodeAt(letter) + 0x100) + signature.slice(letter + 1),
    ];
    for (const respelled of respellings) {
      const forged = new URLSearchParams(query);
      forged.set('signature', respelled);
      assert.equal((await postToWebhook(app.url, textXml('respelled'), forged.toString())).status, 403, respelled);
    }
    assert.equal(runs.get('respelled'), undefined);
  });

  it('the same request again gets the first answer, and runs the handler once', async () => {
    const query = signedQuery();
    const xml = textXml('retried verbatim');
    const first = await (await postToWebhook(app.url, xml, query)).text();
    const second = await (await postToWebhook(app.url, xml, query)).text();
    assert.equal(second, first);
    assert.equal(readReply(first).Content, 'got retried verbatim');
    assert.equal(runs.get('retried verbatim'), 1);
  });

  it('a verbatim replay after the retry memory forgot (61 s) still does not run the handler', async () => {
    const query = signedQuery();
    const xml = textXml('replayed later');
    assert.equal((await postToWebhook(app.url, xml, query)).status, 200);
    retryClock += 61_000;
    const replay = await postToWebhook(app.url, xml, query);
    assert.equal(replay.status, 200);
    assert.equal(await replay.text(), 'success');
    assert.equal(runs.get('replayed later'), 1);
  });

  it('no error answer echoes the request’s content', async () => {
    const marker = 'ECHO_MARKER_0123456789';
    const bodies = [`<xml><${marker}>`, `<notxml>${marker}</notxml>`, `<xml><Content>${marker}</Content></xml>`, marker.repeat(5000)];
    for (const body of bodies) {
      const response = await postToWebhook(app.url, body);
      assert.equal(response.status, 400);
      const text = await response.text();
      assert.ok(!text.includes(marker) && text.length < 200, text);
    }
  });

  it('refusals are logged once per reason per interval, without the request’s content', async () => {
    const before = app.logs.filter((line) => line.reason === 'bad-signature').length;
    const signature = 'f'.repeat(40);
    for (let i = 0; i < 30; i++) {
      const response = await postToWebhook(app.url, textXml('x'), `signature=${signature}&timestamp=${nowS()}&nonce=${i}`);
      assert.equal(response.status, 403);
    }
    const lines = app.logs.filter((line) => line.reason === 'bad-signature');
    assert.ok(lines.length - before <= 1, `${lines.length - before} lines`);
    assert.equal(lines.at(-1)?.level, 40);
    assert.equal(lines.at(-1)?.status, 403);
    assert.ok(!app.logText().includes(signature));
    assert.ok(!app.logText().includes(TEST_TOKEN));
  });
});

describe('a plaintext signature re-split into another timestamp and nonce', () => {
  it('is the same signature, and is refused with another body', async () => {
    // Sorted and joined, ("1700000000", "2abc") and ("17000000002", "abc") sign alike.
    const app = await startApp({ SIGNATURE_MAX_AGE_S: '0' });
    try {
      const first = queryAt('1700000000', '2abc');
      const resplit = queryAt('17000000002', 'abc');
      assert.equal(new URLSearchParams(first).get('signature'), new URLSearchParams(resplit).get('signature'));
      assert.equal((await postToWebhook(app.url, textXml('one'), first)).status, 200);
      assert.equal((await postToWebhook(app.url, textXml('two'), resplit)).status, 403);
    } finally {
      await app.close();
    }
  });
});

describe('replayed and forged messages (safe mode)', () => {
  let app: RunningApp;
  const wechat = new WeChatCrypto(AES_KEY, TEST_TOKEN, APPID);
  const runs = new Map<string, number>();
  let retryClock = Date.now();
  before(async () => {
    const router = createReplyRouter().on('text', (message) => {
      runs.set(message.Content, (runs.get(message.Content) ?? 0) + 1);
      return { type: 'text', content: message.Content };
    });
    app = await startApp(
      { WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID },
      { router, retryStore: createMemoryRetryStore({ now: () => retryClock }) },
    );
  });
  after(() => app.close());

  async function post(query: string, body: string) {
    const response = await fetch(`${app.url}/wechat?${query}`, { method: 'POST', body });
    return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
  }

  it('signature is required in safe mode too (400, before the body is read)', async () => {
    const { query } = wechat.request(textXml('x'));
    const params = new URLSearchParams(query);
    params.delete('signature');
    assert.equal(await statusBeforeBody(app.url, `/wechat?${params}`), 400);
  });

  it('every failure to open an encrypted message answers a byte-identical 403', async () => {
    const wrongKey = new WeChatCrypto('Z'.repeat(43), TEST_TOKEN, APPID);
    const encrypted: [string, string][] = [
      ['bad padding', wechat.encrypt(textXml('x'), { badPadding: true })],
      ['a length field past the end', wechat.encrypt(textXml('x'), { lengthDelta: 4000 })],
      ['another AppID', wechat.encrypt(textXml('x'), { appId: 'wx_other' })],
      ['another key', wrongKey.encrypt(textXml('x'))],
      ['XML that does not parse', wechat.encrypt('<xml><a></xml>')],
      ['XML without MsgType', wechat.encrypt('<xml><Content>x</Content></xml>')],
      ['not whole blocks', Buffer.alloc(40, 7).toString('base64')],
    ];
    const answers = new Set<string>();
    for (const [name, value] of encrypted) {
      const { query, body } = wechat.request('', { encrypted: value });
      const response = await post(query, body);
      assert.equal(response.status, 403, name);
      answers.add(JSON.stringify(response));
    }
    const { query, body } = wechat.request(textXml('x'));
    const wrongSignature = new URLSearchParams(query);
    wrongSignature.set('msg_signature', sha1Signature('another'));
    answers.add(JSON.stringify(await post(wrongSignature.toString(), body)));
    answers.add(JSON.stringify(await post(wechat.request(textXml('x')).query, '<xml><Encrypt><![CDATA[***]]></Encrypt></xml>')));
    answers.add(JSON.stringify(await post(wechat.request(textXml('x')).query, textXml('no Encrypt at all'))));
    assert.deepEqual([...answers], [JSON.stringify({ status: 403, type: 'text/plain; charset=utf-8', text: UNOPENABLE })]);
  });

  it('a body of thousands of elements with a bad msg_signature is refused without being parsed', async () => {
    const { query } = wechat.request(textXml('x'));
    const params = new URLSearchParams(query);
    params.set('msg_signature', sha1Signature('bogus'));
    const body = `<xml>${'<a></a>'.repeat(20_000)}<Encrypt><![CDATA[AAAA]]></Encrypt></xml>`;
    const response = await post(params.toString(), body);
    assert.equal(response.status, 403);
    assert.equal(response.text, UNOPENABLE);
    // Refused by the envelope scan, before msg_signature, decryption or any parse.
    assert.equal(app.logs.filter((line) => line.reason === 'unopenable-envelope').length, 1);
  });

  it('a captured safe-mode URL stripped of encrypt_type cannot carry a plaintext body', async () => {
    const xml = textXml('captured');
    const { query, body } = wechat.request(xml);
    assert.equal((await post(query, body)).status, 200);
    const stripped = new URLSearchParams(query);
    stripped.delete('encrypt_type');
    stripped.delete('msg_signature');
    assert.equal((await post(stripped.toString(), textXml('forged from the captured URL'))).status, 403);
  });

  it('a verbatim safe-mode replay gets the first answer', async () => {
    const { query, body } = wechat.request(textXml('safe replay'));
    const first = await post(query, body);
    const second = await post(query, body);
    assert.equal(first.status, 200);
    assert.deepEqual(second, first);
  });

  it('a signed URL reused with another encrypted message (msg_signature right for it) → 403; the handler never ran for it', async () => {
    const { query, body } = wechat.request(textXml('sealed original'));
    assert.equal((await post(query, body)).status, 200);
    // Only a holder of the token can sign another Encrypt for the same timestamp and nonce.
    const encrypted = wechat.encrypt(textXml('sealed forgery'));
    const forged = new URLSearchParams(query);
    const { timestamp, nonce } = Object.fromEntries(forged) as { timestamp: string; nonce: string };
    forged.set('msg_signature', sha1Signature(TEST_TOKEN, timestamp, nonce, encrypted));
    const response = await post(forged.toString(), body.replace(/<Encrypt>.*<\/Encrypt>/, `<Encrypt><![CDATA[${encrypted}]]></Encrypt>`));
    assert.equal(response.status, 403);
    assert.equal(runs.get('sealed forgery'), undefined);
    assert.equal(runs.get('sealed original'), 1);
  });

  it('a verbatim safe-mode replay after the retry memory forgot (61 s) still does not run the handler', async () => {
    const { query, body } = wechat.request(textXml('sealed replay'));
    assert.equal((await post(query, body)).status, 200);
    retryClock += 61_000;
    // The part of the body outside Encrypt is not read: a changed copy is the same message.
    const replay = await post(query, body.replace('gh_account', 'gh_changed'));
    assert.deepEqual(replay, { status: 200, type: 'text/plain; charset=utf-8', text: 'success' });
    assert.equal(runs.get('sealed replay'), 1);
  });

  it('WECHAT_REQUIRE_AES=true refuses plaintext POSTs with 403 and keeps encrypted ones', async () => {
    const strict = await startApp({ WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID, WECHAT_REQUIRE_AES: 'true' });
    try {
      assert.equal((await postToWebhook(strict.url, textXml('plain'))).status, 403);
      const { query, body } = wechat.request(textXml('sealed'));
      const response = await fetch(`${strict.url}/wechat?${query}`, { method: 'POST', body });
      assert.equal(response.status, 200);
      assert.equal(readReply(wechat.openReply(await response.text())).Content, 'sealed');
    } finally {
      await strict.close();
    }
  });
});

describe('encrypt_type=aes on a server without a key', () => {
  it('answers 400 each time, and logs the error once per interval, naming the variable', async () => {
    const app = await startApp();
    try {
      const wechat = new WeChatCrypto(AES_KEY, TEST_TOKEN, APPID);
      for (let i = 0; i < 40; i++) {
        const { query, body } = wechat.request(textXml(`x${i}`));
        assert.equal((await fetch(`${app.url}/wechat?${query}`, { method: 'POST', body })).status, 400);
      }
      const errors = app.logs.filter((line) => line.level === 50);
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]?.msg), /WECHAT_ENCODING_AES_KEY/);
    } finally {
      await app.close();
    }
  });
});

describe('the rejection log', () => {
  it('logs a reason once per interval, then the count of those it left out', () => {
    const lines: Record<string, unknown>[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        callback();
      },
    });
    let clock = 0;
    const log = createRejectionLog(pino(sink), { intervalMs: 10_000, now: () => clock });
    for (let i = 0; i < 5; i++) log('bad-signature', 403, 'refused');
    log('missing-parameter', 400, 'refused');
    clock = 10_000;
    log('bad-signature', 403, 'refused');
    assert.deepEqual(
      lines.map(({ reason, status, suppressed }) => ({ reason, status, suppressed })),
      [
        { reason: 'bad-signature', status: 403, suppressed: undefined },
        { reason: 'missing-parameter', status: 400, suppressed: undefined },
        { reason: 'bad-signature', status: 403, suppressed: 4 },
      ],
    );
  });
});
