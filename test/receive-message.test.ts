import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';
import { freshMsgId, messageXml, postToWebhook, readReply, sha1Signature, signedQuery, textXml } from './helpers/wechat.js';

describe('POST /wechat: the status of every kind of request', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(() => app.close());

  it('answers a valid message with 200 application/xml; charset=utf-8', async () => {
    const response = await postToWebhook(app.url, textXml('hello'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/xml; charset=utf-8');
    assert.equal(readReply(await response.text()).Content, 'hello');
  });

  it('answers 200 "success" to a message with nothing to say', async () => {
    const response = await postToWebhook(
      app.url,
      '<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>unsubscribe</Event></xml>',
    );
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'success');
  });

  it('reads the body whatever the Content-Type', async () => {
    for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain', '']) {
      const response = await fetch(`${app.url}/wechat?${signedQuery()}`, {
        method: 'POST',
        headers: type === '' ? {} : { 'Content-Type': type },
        body: textXml(`typed ${type}`),
      });
      assert.equal(response.status, 200, type);
      assert.equal(readReply(await response.text()).Content, `typed ${type}`);
    }
  });

  const statusCases: [string, () => Promise<Response>, number][] = [
    ['no query', () => fetch(`${app.url}/wechat`, { method: 'POST', body: textXml('x') }), 400],
    ['no signature', () => postToWebhook(app.url, textXml('x'), 'timestamp=1&nonce=2'), 400],
    ['no timestamp', () => postToWebhook(app.url, textXml('x'), `signature=${sha1Signature(TEST_TOKEN, '1', '2')}&nonce=2`), 400],
    [
      'a wrong signature',
      () => postToWebhook(app.url, textXml('x'), `signature=${sha1Signature('wrong', '1', '2')}&timestamp=1&nonce=2`),
      403,
    ],
    ['a signature of another length', () => postToWebhook(app.url, textXml('x'), 'signature=00&timestamp=1&nonce=2'), 403],
    ['an empty body', () => postToWebhook(app.url, ''), 400],
    ['whitespace only', () => postToWebhook(app.url, '  \n '), 400],
    ['random bytes', () => postToWebhook(app.url, randomBytes(2048)), 400],
    ['JSON', () => postToWebhook(app.url, '{"MsgType":"text","Content":"hi"}'), 400],
    ['a root other than <xml>', () => postToWebhook(app.url, '<message><MsgType>text</MsgType></message>'), 400],
    ['two roots', () => postToWebhook(app.url, '<xml><MsgType>text</MsgType></xml><xml></xml>'), 400],
    ['unclosed tags', () => postToWebhook(app.url, '<xml><MsgType>text</MsgType><Content>hi</xml>'), 400],
    ['no MsgType', () => postToWebhook(app.url, '<xml><Content>hi</Content></xml>'), 400],
    ['an empty MsgType', () => postToWebhook(app.url, '<xml><MsgType></MsgType></xml>'), 400],
    ['text directly in <xml>', () => postToWebhook(app.url, '<xml>text</xml>'), 400],
    ['deep nesting', () => postToWebhook(app.url, `<xml><MsgType>text</MsgType>${'<a>'.repeat(20000)}${'</a>'.repeat(20000)}</xml>`), 400],
    ['a body of 256 KiB + 1 byte', () => postToWebhook(app.url, textXml('x'.repeat(256 * 1024))), 413],
  ];
  for (const [name, send, status] of statusCases) {
    it(`answers ${status} to ${name}`, async () => {
      const response = await send();
      assert.equal(response.status, status);
      await response.arrayBuffer();
    });
  }

  it('accepts a body of just under 256 KiB', async () => {
    const content = '字'.repeat(80_000); // 240,000 bytes of UTF-8
    const response = await postToWebhook(app.url, textXml(content));
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  });

  it('answers 413 to a chunked body that grows past 256 KiB', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'a');
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const response = await fetch(`${app.url}/wechat?${signedQuery()}`, {
      method: 'POST',
      body,
      duplex: 'half',
    } as RequestInit);
    assert.equal(response.status, 413);
    await response.arrayBuffer();
  });

  it('does not expand entities declared in the body (billion laughs)', async () => {
    const entities = ['<!ENTITY lol0 "lol">'];
    for (let i = 1; i <= 9; i++) entities.push(`<!ENTITY lol${i} "${`&lol${i - 1};`.repeat(10)}">`);
    const body = `<?xml version="1.0"?><!DOCTYPE xml [${entities.join('')}]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&lol9;&lol0;</Content><MsgId>1</MsgId></xml>`;
    const response = await postToWebhook(app.url, body);
    const text = await response.text();
    assert.ok(response.status === 200 || response.status === 400, `status ${response.status}`);
    assert.ok(!text.includes('lollol'), 'an entity was expanded');
    if (response.status === 200) assert.equal(readReply(text).Content, '&lol9;&lol0;');
  });

  it('does not read files through external entities (XXE)', async () => {
    const body =
      '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>';
    const text = await (await postToWebhook(app.url, body)).text();
    assert.ok(!text.includes('root:'), 'the file was read');
  });

  for (const type of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    it(`a MsgType named after an Object property (${type}) is just unknown: the fallback text`, async () => {
      const response = await postToWebhook(app.url, messageXml(type, { MsgId: freshMsgId() }));
      assert.equal(response.status, 200);
      assert.equal(readReply(await response.text()).Content, '暂不支持该类型的消息');
    });
  }

  it('an incoming element named <unknown> does not make a text message unknown', async () => {
    const response = await postToWebhook(app.url, messageXml('text', { Content: 'still text', MsgId: freshMsgId(), unknown: '1' }));
    assert.equal(readReply(await response.text()).Content, 'still text');
  });

  it('still answers after every bad request above (no crash)', async () => {
    const response = await postToWebhook(app.url, textXml('still alive'));
    assert.equal(readReply(await response.text()).Content, 'still alive');
  });

  it('answers the path’s variants too (trailing slash, any case), through Express', async () => {
    for (const path of ['/wechat/', '/WeChat']) {
      const response = await fetch(`${app.url}${path}?${signedQuery()}`, { method: 'POST', body: textXml(`via ${path}`) });
      assert.equal(response.status, 200, path);
      assert.equal(readReply(await response.text()).Content, `via ${path}`);
    }
  });

  it('answers other methods on the webhook path with 404, not 500', async () => {
    for (const method of ['PUT', 'DELETE', 'PATCH']) {
      const response = await fetch(`${app.url}/wechat?${signedQuery()}`, { method, body: textXml('x') });
      assert.equal(response.status, 404, method);
      await response.arrayBuffer();
    }
  });

  it('answers GET /healthz with 200 {"status":"ok"}', async () => {
    const response = await fetch(`${app.url}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });
});
