import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { connect } from 'node:net';
import { setTimeout } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { freePort } from './helpers/free-port.js';
import { runServer, untilListening, type ServerProcess } from './helpers/run-server.js';
import { startApp, withFakeWeChat, type RunningApp } from './helpers/start-app.js';

const ADMIN_TOKEN = 'api-admin-secret-3b9c';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const SEND = '/cgi-bin/message/template/send';
const TEMPLATES = '/cgi-bin/template/get_all_private_template';
const UPLOAD = '/cgi-bin/media/upload';

interface Answer {
  readonly status: number;
  readonly type: string | null;
  readonly body: Record<string, unknown>;
}

async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, type: response.headers.get('content-type'), body: (await response.json()) as Record<string, unknown> };
}

describe('/api', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  before(async () => {
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), ADMIN_TOKEN });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.calls.length = 0;
  });

  const get = async (path: string, headers: Record<string, string> = auth) => answerOf(await fetch(`${app.url}${path}`, { headers }));
  const postJson = async (path: string, body: unknown, headers: Record<string, string> = auth) =>
    answerOf(
      await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      }),
    );
  const upload = async (type: string, form: FormData | string) =>
    answerOf(await fetch(`${app.url}/api/media?type=${type}`, { method: 'POST', headers: auth, body: form }));
  const imageForm = (bytes: Buffer, field = 'media', filename = 'photo.png') => {
    const form = new FormData();
    form.append(field, new Blob([bytes], { type: 'image/png' }), filename);
    return form;
  };
  const order = (data: unknown, extra: Record<string, unknown> = {}) => ({
    touser: 'oFollower_0001',
    template_id: 'TPL_ORDER_SHIPPED',
    data,
    ...extra,
  });
  const fullData = { thing1: '智能手表', character_string2: 'SF1234567890', time3: { value: '2024年5月1日 10:00' } };

  describe('guarded like /qrcode', () => {
    for (const [method, path] of [
      ['GET', '/api/access-token'],
      ['GET', '/api/templates'],
      ['POST', '/api/messages/template'],
      ['POST', '/api/messages/custom'],
      ['POST', '/api/media?type=image'],
      ['GET', '/api/users/oFollower_0001'],
      ['GET', '/api/users'],
    ] as const) {
      it(`${method} ${path}: 401 with WWW-Authenticate for a wrong token, and WeChat is not called`, async () => {
        const response = await fetch(`${app.url}${path}`, { method, headers: { Authorization: 'Bearer wrong-token' } });
        assert.equal(response.status, 401);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Basic/);
        assert.equal(typeof ((await response.json()) as { error?: unknown }).error, 'string');
        assert.equal(fake.calls.length, 0);
      });
    }

    it('serves Basic with ADMIN_TOKEN as password', async () => {
      const basic = Buffer.from(`crm:${ADMIN_TOKEN}`).toString('base64');
      assert.equal((await get('/api/users', { Authorization: `Basic ${basic}` })).status, 200);
    });

    it('never logs ADMIN_TOKEN, the AppSecret or an access token', async () => {
      await get('/api/access-token');
      await get('/api/access-token', { Authorization: 'Bearer wrong-token' });
      const logs = app.logText();
      assert.ok(!logs.includes(ADMIN_TOKEN));
      assert.ok(!logs.includes(fake.appSecret));
      assert.ok(!logs.includes('ACCESS_TOKEN_'), 'an access token was logged');
    });
  });

  describe('GET /api/access-token', () => {
    it('answers the token in force and its remaining lifetime, not to be cached', async () => {
      const response = await fetch(`${app.url}/api/access-token`, { headers: auth });
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const { status, type, body } = await answerOf(response);
      assert.equal(status, 200);
      assert.equal(type, 'application/json; charset=utf-8');
      assert.ok(fake.issuedTokens().includes(String(body.access_token)));
      assert.ok(Number(body.expires_in) > 7000 && Number(body.expires_in) <= 7200, String(body.expires_in));
    });

    it('hands out the same token it uses itself (one fetch)', async () => {
      const first = await get('/api/access-token');
      const second = await get('/api/access-token');
      assert.equal(first.body.access_token, second.body.access_token);
    });
  });

  describe('POST /api/messages/template', () => {
    it('checks the data, sends every value as { value } and answers the msgid', async () => {
      const extra = {
        url: 'https://shop.example.com/orders/42',
        miniprogram: { appid: 'wx_mini_0001', pagepath: 'pages/order?id=42' },
        client_msg_id: 'order-42-shipped',
      };
      const { status, type, body } = await postJson('/api/messages/template', order(fullData, extra));
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(type, 'application/json; charset=utf-8');
      assert.equal(typeof body.msgid, 'number');
      assert.deepEqual(fake.callsTo(SEND).at(-1)?.body, {
        touser: 'oFollower_0001',
        template_id: 'TPL_ORDER_SHIPPED',
        data: { thing1: { value: '智能手表' }, character_string2: { value: 'SF1234567890' }, time3: { value: '2024年5月1日 10:00' } },
        ...extra,
      });
    });

    it('a missing key: 400 naming it, nothing sent', async () => {
      const { status, body } = await postJson('/api/messages/template', order({ thing1: '手表', time3: '今天' }));
      assert.equal(status, 400);
      assert.match(String(body.error), /data\.character_string2: missing/);
      assert.equal(fake.count(SEND), 0);
    });

    it('an unknown key: 400 naming it, nothing sent', async () => {
      const { status, body } = await postJson('/api/messages/template', order({ ...fullData, remark: '谢谢' }));
      assert.equal(status, 400);
      assert.match(String(body.error), /data\.remark: unknown/);
      assert.match(String(body.error), /thing1, character_string2, time3/);
      assert.equal(fake.count(SEND), 0);
    });

    it('a thing value over 20 characters: 400 naming it; 20 characters pass', async () => {
      const long = await postJson('/api/messages/template', order({ ...fullData, thing1: '一'.repeat(21) }));
      assert.equal(long.status, 400);
      assert.match(String(long.body.error), /data\.thing1: .*20 characters, this one has 21/);
      assert.equal(fake.count(SEND), 0);
      assert.equal((await postJson('/api/messages/template', order({ ...fullData, thing1: '一'.repeat(20) }))).status, 200);
    });

    it('an unknown template_id: 400, the list fetched again once, nothing sent', async () => {
      await postJson('/api/messages/template', order(fullData)); // the list is cached now
      fake.calls.length = 0;
      const first = await postJson('/api/messages/template', order(fullData, { template_id: 'TPL_NOT_THERE' }));
      assert.equal(first.status, 400);
      assert.equal(first.body.field, 'template_id');
      assert.match(String(first.body.error), /template_id: .*TPL_NOT_THERE/);
      assert.equal(fake.count(TEMPLATES), 1);
      await postJson('/api/messages/template', order(fullData, { template_id: 'TPL_NOT_THERE' }));
      assert.equal(fake.count(TEMPLATES), 1, 'the same unknown id is not fetched for again');
      assert.equal(fake.count(SEND), 0);
    });

    it('a template added since the list was cached is found by fetching it again', async () => {
      await postJson('/api/messages/template', order(fullData));
      fake.account.addTemplate('TPL_NEW', '您好:{{first.DATA}}');
      const { status } = await postJson('/api/messages/template', order({ first: '你好' }, { template_id: 'TPL_NEW' }));
      assert.equal(status, 200);
    });

    it('the list of templates is cached: two sends, at most one fetch', async () => {
      await postJson('/api/messages/template', order(fullData));
      await postJson('/api/messages/template', order(fullData));
      assert.ok(fake.count(TEMPLATES) <= 1);
      assert.equal(fake.count(SEND), 2);
    });

    it('40001 on the send: one token refresh and one retry', async () => {
      await postJson('/api/messages/template', order(fullData));
      fake.calls.length = 0;
      fake.revokeTokens();
      fake.on(SEND, { errcode: 40001, errmsg: 'invalid credential' });
      const { status } = await postJson('/api/messages/template', order(fullData));
      assert.equal(status, 200);
      assert.equal(fake.tokenFetches(), 1);
      assert.equal(fake.count(SEND), 2);
    });

    it('WeChat refuses the openid (40003, not a follower): 404 naming touser, with its errcode and errmsg', async () => {
      const { status, body } = await postJson('/api/messages/template', order(fullData, { touser: 'oStranger_0001' }));
      assert.equal(status, 404);
      assert.equal(body.field, 'touser');
      assert.match(String(body.error), /^touser: WeChat knows no such user of this account .*\(errcode 40003\)$/);
      assert.equal(body.errcode, 40003);
      assert.equal(body.errmsg, 'invalid openid');
    });

    it('WeChat refuses the template_id (40037, deleted since the list was cached): 400 naming template_id', async () => {
      fake.on(SEND, { errcode: 40037, errmsg: 'invalid template_id' });
      const { status, body } = await postJson('/api/messages/template', order(fullData));
      assert.equal(status, 400);
      assert.equal(body.field, 'template_id');
      assert.match(String(body.error), /^template_id: WeChat knows no such template of this account \(errcode 40037\)$/);
      assert.equal(body.errcode, 40037);
    });

    it('WeChat cannot read the body (47001): 400 naming body', async () => {
      fake.on(SEND, { errcode: 47001, errmsg: 'data format error' });
      const { status, body } = await postJson('/api/messages/template', order(fullData));
      assert.equal(status, 400);
      assert.equal(body.field, 'body');
      assert.match(String(body.error), /^body: .*\(errcode 47001\)$/);
      assert.equal(body.errmsg, 'data format error');
    });

    it('any other errcode (45009, quota spent) is still a 502 with it', async () => {
      fake.on(SEND, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      const { status, body } = await postJson('/api/messages/template', order(fullData));
      assert.equal(status, 502);
      assert.equal(body.field, undefined);
      assert.equal(body.errcode, 45009);
      assert.equal(body.error, 'WeChat refused /cgi-bin/message/template/send (errcode 45009)');
    });

    const invalid: [string, unknown, RegExp][] = [
      ['no touser', { template_id: 'TPL_ORDER_SHIPPED', data: fullData }, /^touser: /],
      ['a touser that is not an openid', order(fullData, { touser: 'a b' }), /^touser: /],
      ['data that is not an object', order([]), /^data: /],
      ['a value that is not a string', order({ ...fullData, thing1: 42 }), /^data\.thing1/],
      ['an unknown field', order(fullData, { topcolor: '#FF0000' }), /^topcolor: unknown field/],
      ['a url that is not http(s)', order(fullData, { url: 'javascript:alert(1)' }), /^url: an http\(s\) URL/],
      ['a data: url', order(fullData, { url: 'data:text/html,<script>alert(1)</script>' }), /^url: an http\(s\) URL/],
      ['a miniprogram without appid', order(fullData, { miniprogram: { pagepath: 'x' } }), /^miniprogram\.appid: /],
      ['a body that is not JSON', '{"touser":', /^body: not valid JSON/],
      [
        'a data key named __proto__ (JSON.parse keeps it)',
        `{"touser":"oFollower_0001","template_id":"TPL_ORDER_SHIPPED","data":{"thing1":"手表","__proto__":"x"}}`,
        /^data\.__proto__: /,
      ],
      [
        'a __proto__ deeper down',
        `{"touser":"oFollower_0001","miniprogram":{"appid":"wx","__proto__":{"x":1}}}`,
        /^miniprogram\.__proto__: /,
      ],
    ];
    for (const [name, body, error] of invalid) {
      it(`${name}: 400 naming the field, nothing sent`, async () => {
        const answer = await postJson('/api/messages/template', body);
        assert.equal(answer.status, 400, JSON.stringify(answer.body));
        assert.match(String(answer.body.error), error);
        assert.equal(fake.count(SEND), 0);
      });
    }

    it('a body that is not JSON: the 400 does not echo it', async () => {
      const { status, body } = await postJson('/api/messages/template', '{"touser":SECRET_MARKER_7f3a}');
      assert.equal(status, 400);
      assert.doesNotMatch(JSON.stringify(body), /SECRET_MARKER_7f3a/);
    });

    it('a body that is not sent as JSON: 400', async () => {
      const response = await fetch(`${app.url}/api/messages/template`, { method: 'POST', headers: auth, body: 'touser=x' });
      const { status, body } = await answerOf(response);
      assert.equal(status, 400);
      assert.match(String(body.error), /^body: send JSON/);
    });

    it('a body over 64 KiB: 413', async () => {
      const { status, body } = await postJson('/api/messages/template', order({ thing1: 'x'.repeat(70 * 1024) }));
      assert.equal(status, 413);
      assert.match(String(body.error), /^body: /);
    });
  });

  describe('POST /api/messages/custom', () => {
    it('sends a reply in the handler shape as a customer-service message', async () => {
      const { status, body } = await postJson('/api/messages/custom', {
        touser: 'oFollower_0001',
        reply: { type: 'image', mediaId: 'MEDIA_1' },
      });
      assert.equal(status, 200);
      assert.deepEqual(body, { sent: 1 });
      assert.deepEqual(fake.callsTo('/cgi-bin/message/custom/send')[0]?.body, {
        touser: 'oFollower_0001',
        msgtype: 'image',
        image: { media_id: 'MEDIA_1' },
      });
    });

    it('a long text goes out in pieces of at most 2048 bytes, and says how many', async () => {
      const content = '长'.repeat(2000); // 6000 bytes
      const { body } = await postJson('/api/messages/custom', { touser: 'oFollower_0001', reply: { type: 'text', content } });
      assert.deepEqual(body, { sent: 3 });
      const sent = fake.callsTo('/cgi-bin/message/custom/send').map((call) => (call.body as { text: { content: string } }).text.content);
      assert.equal(sent.join(''), content);
      assert.ok(sent.every((piece) => Buffer.byteLength(piece) <= 2048));
    });

    it('an unknown reply type or a missing field: 400 naming it', async () => {
      const unknown = await postJson('/api/messages/custom', { touser: 'oFollower_0001', reply: { type: 'sticker' } });
      assert.equal(unknown.status, 400);
      assert.match(String(unknown.body.error), /^reply\.type: /);
      const missing = await postJson('/api/messages/custom', { touser: 'oFollower_0001', reply: { type: 'image' } });
      assert.equal(missing.status, 400);
      assert.match(String(missing.body.error), /^reply\.mediaId: /);
      assert.equal(fake.count('/cgi-bin/message/custom/send'), 0);
    });

    it('a hand-over (transfer_customer_service) is a passive reply only: 400 naming reply.type, nothing sent', async () => {
      for (const reply of [{ type: 'transfer_customer_service' }, { type: 'transfer_customer_service', kfAccount: 'test1@test' }]) {
        const { status, body } = await postJson('/api/messages/custom', { touser: 'oFollower_0001', reply });
        assert.equal(status, 400);
        assert.match(String(body.error), /^reply\.type: /);
      }
      assert.equal(fake.count('/cgi-bin/message/custom/send'), 0);
    });

    const notHttp: [string, Record<string, unknown>, RegExp][] = [
      [
        'a javascript: musicUrl',
        { type: 'music', thumbMediaId: 'T', musicUrl: 'javascript:alert(1)' },
        /^reply\.musicUrl: an http\(s\) URL/,
      ],
      ['a data: hqMusicUrl', { type: 'music', thumbMediaId: 'T', hqMusicUrl: 'data:audio/mp3;base64,AAAA' }, /^reply\.hqMusicUrl: /],
      ['a javascript: article url', { type: 'news', articles: [{ title: 't', url: 'JavaScript:alert(1)' }] }, /^reply\.articles\.0\.url: /],
      [
        'a data: picUrl in the second article',
        { type: 'news', articles: [{ title: 't' }, { title: 'u', picUrl: 'data:image/png;base64,AAAA' }] },
        /^reply\.articles\.1\.picUrl: /,
      ],
      ['an ftp: article url', { type: 'news', articles: [{ title: 't', url: 'ftp://files.example.com/a' }] }, /^reply\.articles\.0\.url: /],
    ];
    for (const [name, reply, error] of notHttp) {
      it(`${name}: 400 naming the field, as the template's url, nothing sent`, async () => {
        const { status, body } = await postJson('/api/messages/custom', { touser: 'oFollower_0001', reply });
        assert.equal(status, 400, JSON.stringify(body));
        assert.match(String(body.error), error);
        assert.equal(fake.count('/cgi-bin/message/custom/send'), 0);
      });
    }

    it('http(s) URLs in music and news items are sent', async () => {
      const music = {
        type: 'music',
        thumbMediaId: 'T',
        musicUrl: 'http://m.example.com/a.mp3',
        hqMusicUrl: 'https://m.example.com/a.flac',
      };
      assert.equal((await postJson('/api/messages/custom', { touser: 'oFollower_0001', reply: music })).status, 200);
      const news = { type: 'news', articles: [{ title: 't', url: 'https://shop.example.com/a', picUrl: 'https://img.example.com/a.png' }] };
      assert.equal((await postJson('/api/messages/custom', { touser: 'oFollower_0001', reply: news })).status, 200);
      assert.equal(fake.count('/cgi-bin/message/custom/send'), 2);
    });

    it('a __proto__ key in the reply: 400 naming it', async () => {
      const { status, body } = await postJson(
        '/api/messages/custom',
        '{"touser":"oFollower_0001","reply":{"type":"text","content":"hi","__proto__":{"type":"image"}}}',
      );
      assert.equal(status, 400);
      assert.equal(body.field, 'reply.__proto__');
      assert.match(String(body.error), /^reply\.__proto__: /);
    });

    const windowClosed: [number, string, RegExp][] = [
      [
        45015,
        'response out of time limit or subscription is canceled',
        /^touser: outside the customer-service window: .*48 hours \(errcode 45015\)$/,
      ],
      [45047, 'out of response count limit', /^touser: the customer-service window has no sends left: .* \(errcode 45047\)$/],
    ];
    for (const [errcode, errmsg, error] of windowClosed) {
      it(`WeChat refuses (${errcode}, ${errmsg}): 409 naming touser and the window`, async () => {
        fake.on('/cgi-bin/message/custom/send', { errcode, errmsg });
        // A user of its own: after a refusal the server knows the window closed, and answers the next send itself.
        const { status, body } = await postJson('/api/messages/custom', {
          touser: `oWindowClosed_${errcode}`,
          reply: { type: 'text', content: 'hi' },
        });
        assert.equal(status, 409);
        assert.equal(body.field, 'touser');
        assert.match(String(body.error), error);
        assert.equal(body.errcode, errcode);
        assert.equal(body.errmsg, errmsg);
      });
    }
  });

  describe('POST /api/media', () => {
    it('streams a 5 MB image through to WeChat and answers the media_id', async () => {
      const bytes = Buffer.alloc(5 * 1024 * 1024, 7);
      const { status, body } = await upload('image', imageForm(bytes));
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.type, 'image');
      assert.match(String(body.media_id), /^MEDIA_ID_/);
      assert.equal(typeof body.created_at, 'number');
      const call = fake.callsTo(UPLOAD)[0];
      assert.equal(call?.query.type, 'image');
      const part = (call?.body as { parts: { name: string; filename: string; size: number; sha256: string }[] }).parts[0];
      assert.equal(part?.name, 'media');
      assert.equal(part?.filename, 'photo.png');
      assert.equal(part?.size, bytes.length);
      assert.equal(part?.sha256, createHash('sha256').update(bytes).digest('hex'));
    });

    it('an 11 MB image: 413 before WeChat is called', async () => {
      const { status, body } = await upload('image', imageForm(Buffer.alloc(11 * 1024 * 1024, 1)));
      assert.equal(status, 413);
      assert.equal(body.field, 'media');
      assert.equal(fake.count(UPLOAD), 0);
    });

    it('an 11 MB image sent chunked (no Content-Length): 413 once 10 MB have been read, WeChat not called', async () => {
      const form = imageForm(Buffer.alloc(11 * 1024 * 1024, 1));
      const request = new Request('http://x', { method: 'POST', body: form });
      const stream = request.body as ReadableStream<Uint8Array>;
      const response = await fetch(`${app.url}/api/media?type=image`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': request.headers.get('content-type') ?? '' },
        body: stream,
        duplex: 'half',
      } as RequestInit);
      assert.equal(response.status, 413);
      await response.arrayBuffer();
      assert.equal(fake.count(UPLOAD), 0);
    });

    it('a thumb over 64 KB: 413; voice of 2 MB passes', async () => {
      assert.equal((await upload('thumb', imageForm(Buffer.alloc(64 * 1024 + 1), 'media', 't.jpg'))).status, 413);
      assert.equal((await upload('voice', imageForm(Buffer.alloc(2 * 1024 * 1024), 'media', 'v.amr'))).status, 200);
      assert.equal(fake.count(UPLOAD), 1);
    });

    const invalid: [string, string, () => FormData | string, string][] = [
      ['no type', '', () => imageForm(Buffer.alloc(10)), 'type'],
      ['an unknown type', 'file', () => imageForm(Buffer.alloc(10)), 'type'],
      ['a body that is not multipart', 'image', () => 'just text', 'body'],
      ['the file in another field', 'image', () => imageForm(Buffer.alloc(10), 'file'), 'media'],
      [
        'no file at all',
        'image',
        () => {
          const form = new FormData();
          form.append('note', 'hello');
          return form;
        },
        'media',
      ],
    ];
    for (const [name, type, form, field] of invalid) {
      it(`${name}: 400 naming ${field}, WeChat not called`, async () => {
        const { status, body } = await upload(type, form());
        assert.equal(status, 400, JSON.stringify(body));
        assert.equal(body.field, field);
        assert.match(String(body.error), new RegExp(`^${field}: `));
        assert.equal(fake.count(UPLOAD), 0);
      });
    }

    it('WeChat refuses the file (40005): 502 with it', async () => {
      const { status, body } = await upload('image', imageForm(Buffer.alloc(10), 'media', 'photo.exe'));
      assert.equal(status, 502);
      assert.equal(body.errcode, 40005);
    });
  });

  describe('GET /api/users', () => {
    it('/api/users/:openid answers WeChat’s profile, lang passed on', async () => {
      const { status, body } = await get('/api/users/oFollower_0002?lang=en');
      assert.equal(status, 200);
      assert.equal(body.openid, 'oFollower_0002');
      assert.equal(body.subscribe, 1);
      assert.equal(body.errcode, undefined);
      assert.equal(fake.callsTo('/cgi-bin/user/info')[0]?.query.lang, 'en');
    });

    it('an openid WeChat does not know (40003): 404 naming openid; a next_openid likewise', async () => {
      const { status, body } = await get('/api/users/oNobody_0001');
      assert.equal(status, 404);
      assert.equal(body.field, 'openid');
      assert.match(String(body.error), /^openid: WeChat knows no such user of this account .*\(errcode 40003\)$/);
      assert.equal(body.errcode, 40003);
      const next = await get('/api/users?next_openid=oNobody_0001');
      assert.equal(next.status, 404);
      assert.equal(next.body.field, 'next_openid');
      assert.match(String(next.body.error), /^next_openid: /);
    });

    it('a malformed openid or lang: 400 naming it, WeChat not called', async () => {
      const openid = await get('/api/users/bad%20id');
      assert.equal(openid.status, 400);
      assert.equal(openid.body.field, 'openid');
      const lang = await get('/api/users/oFollower_0001?lang=fr');
      assert.equal(lang.status, 400);
      assert.equal(lang.body.field, 'lang');
      const next = await get('/api/users?next_openid=a/b');
      assert.equal(next.status, 400);
      assert.equal(next.body.field, 'next_openid');
      assert.equal(fake.calls.filter((call) => call.path.startsWith('/cgi-bin/user/')).length, 0);
    });

    it('a query parameter given twice, even with the same valid value: 400 naming it, WeChat not called', async () => {
      const cases: [string, string][] = [
        ['/api/users/oFollower_0001?lang=en&lang=en', 'lang'],
        ['/api/users?next_openid=oFollower_0001&next_openid=oFollower_0001', 'next_openid'],
      ];
      for (const [path, field] of cases) {
        const { status, body } = await get(path);
        assert.equal(status, 400, path);
        assert.equal(body.field, field);
        assert.match(String(body.error), new RegExp(`^${field}: given more than once`));
      }
      const media = await upload('image&type=image', imageForm(Buffer.alloc(10)));
      assert.equal(media.status, 400);
      assert.equal(media.body.field, 'type');
      assert.match(String(media.body.error), /^type: given more than once/);
      assert.equal(
        fake.calls.filter((call) => call.path.startsWith('/cgi-bin/user/') || call.path.startsWith('/cgi-bin/media/')).length,
        0,
      );
    });

    it('pages through the followers; past the last page openids is []', async () => {
      fake.account.pageSize = 2;
      try {
        const first = await get('/api/users');
        assert.deepEqual(first.body, { total: 3, count: 2, openids: ['oFollower_0001', 'oFollower_0002'], next_openid: 'oFollower_0002' });
        const second = await get('/api/users?next_openid=oFollower_0002');
        assert.deepEqual(second.body, { total: 3, count: 1, openids: ['oFollower_0003'], next_openid: 'oFollower_0003' });
        const past = await get('/api/users?next_openid=oFollower_0003');
        assert.deepEqual(past.body, { total: 3, count: 0, openids: [], next_openid: '' });
      } finally {
        fake.account.pageSize = 10_000;
      }
    });
  });

  it('an unknown /api path: 404 as JSON', async () => {
    const { status, body } = await get('/api/nothing');
    assert.equal(status, 404);
    assert.equal(typeof body.error, 'string');
  });
});

describe('/api without WECHAT_APPID and WECHAT_APPSECRET', () => {
  it('answers 503 on every route', async () => {
    const app = await startApp({ ADMIN_TOKEN });
    try {
      for (const [method, path] of [
        ['GET', '/api/access-token'],
        ['GET', '/api/templates'],
        ['POST', '/api/messages/template'],
        ['POST', '/api/messages/custom'],
        ['POST', '/api/media?type=image'],
        ['GET', '/api/users/oFollower_0001'],
        ['GET', '/api/users'],
      ] as const) {
        const { status, body } = await answerOf(await fetch(`${app.url}${path}`, { method, headers: auth }));
        assert.equal(status, 503, path);
        assert.match(String(body.error), /WECHAT_APPID/);
      }
    } finally {
      await app.close();
    }
  });
});

describe('/api without ADMIN_TOKEN', () => {
  it('serves loopback clients', async () => {
    await withFakeWeChat({}, async (app) => {
      assert.equal((await fetch(`${app.url}/api/users`)).status, 200);
    });
  });
});

describe('/api when WeChat refuses the token', () => {
  it('answers 502 with WeChat’s errcode', async () => {
    await withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      fake.on('/cgi-bin/stable_token', { errcode: 40164, errmsg: 'invalid ip, not in whitelist', times: 3 });
      const { status, body } = await answerOf(await fetch(`${app.url}/api/access-token`, { headers: auth }));
      assert.equal(status, 502);
      assert.equal(body.errcode, 40164);
      assert.match(String(body.error), /IP allow-list.*WeChat's errmsg did not name it/);
    });
  });
});

describe('/api when this server’s IP is not in an allow-list: one line naming the IP to add', () => {
  const cases: [string, number, string, string, RegExp][] = [
    [
      'the account’s (40164, on the token)',
      40164,
      '/cgi-bin/stable_token',
      'invalid ip 203.0.113.7 ipv6 ::ffff:203.0.113.7, not in whitelist rid: 6650a1b2-3c4d5e6f-7a8b9c0d',
      /^WeChat refused \/cgi-bin\/stable_token \(errcode 40164\): this server's IP 203\.0\.113\.7 is not in the account's IP allow-list \(mp\.weixin\.qq\.com: .*IP白名单\): add 203\.0\.113\.7$/,
    ],
    [
      'the open platform’s (61004, on a send)',
      61004,
      SEND,
      'access clientip is not registered requestIP: 198.51.100.23 rid: 66aa01b2-0f1e2d3c',
      /^WeChat refused \/cgi-bin\/message\/template\/send \(errcode 61004\): this server's IP 198\.51\.100\.23 is not in the open platform's IP allow-list .*: add 198\.51\.100\.23$/,
    ],
  ];
  for (const [name, errcode, path, errmsg, error] of cases) {
    it(`${name}: 502, in the answer's error and in the log`, async () => {
      await withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
        fake.on(path, { errcode, errmsg, times: 3 });
        const body = {
          touser: 'oFollower_0001',
          template_id: 'TPL_ORDER_SHIPPED',
          data: { thing1: '手表', character_string2: 'SF1', time3: '今天' },
        };
        const response = await fetch(`${app.url}/api/messages/template`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify(body),
        });
        const answer = await answerOf(response);
        assert.equal(answer.status, 502);
        assert.match(String(answer.body.error), error);
        assert.equal(answer.body.errcode, errcode);
        const logged = app.logs.filter((line) => line.msg === 'an /api call failed');
        assert.equal(logged.length, 1, app.logText());
        assert.match(String(logged[0]?.error), error);
      });
    });
  }
});

describe('GET /api/templates', () => {
  it('lists the account’s templates with their placeholders in the order of their content, each once', async () => {
    await withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      fake.account.addTemplate(
        'TPL_PAID',
        '{{first.DATA}}\n金额:{{amount3.DATA}}\n时间:{{ time1.DATA }}\n{{first.DATA}}{{remark.DATA}}',
        '付款成功通知',
      );
      const { status, type, body } = await answerOf(await fetch(`${app.url}/api/templates`, { headers: auth }));
      assert.equal(status, 200);
      assert.equal(type, 'application/json; charset=utf-8');
      assert.deepEqual(body, {
        templates: [
          { template_id: 'TPL_ORDER_SHIPPED', title: '订单发货通知', placeholders: ['thing1', 'character_string2', 'time3'] },
          { template_id: 'TPL_PAID', title: '付款成功通知', placeholders: ['first', 'amount3', 'time1', 'remark'] },
        ],
      });
    });
  });

  it('an account without templates: an empty list', async () => {
    await withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      fake.account.templates.length = 0;
      const { status, body } = await answerOf(await fetch(`${app.url}/api/templates`, { headers: auth }));
      assert.equal(status, 200);
      assert.deepEqual(body, { templates: [] });
    });
  });
});

describe('/api logs each successful send at info, the recipient masked', () => {
  const sentLines = (app: RunningApp) => app.logs.filter((line) => line.msg === 'message sent');
  const post = (app: RunningApp, path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${app.url}${path}`, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('a template message, by the admin key', async () => {
    await withFakeWeChat({ ADMIN_TOKEN }, async (app) => {
      const data = { thing1: 'SECRET_CONTENT_手表', character_string2: 'SF1234567890', time3: '今天' };
      const response = await post(
        app,
        '/api/messages/template',
        { touser: 'oFollower_0001', template_id: 'TPL_ORDER_SHIPPED', data },
        auth,
      );
      assert.equal(response.status, 200, await response.text());
      const lines = sentLines(app);
      assert.equal(lines.length, 1, app.logText());
      const { time, msgid, ...line } = lines[0] ?? {};
      assert.equal(typeof time, 'number');
      assert.equal(typeof msgid, 'number');
      assert.deepEqual(line, { level: 30, route: 'POST /api/messages/template', to: 'oFol…0001', caller: 'admin', msg: 'message sent' });
      assert.equal(app.logText().includes('oFollower_0001'), false, 'the full openid was logged');
      assert.equal(app.logText().includes('SECRET_CONTENT'), false, 'the message was logged');
      assert.equal(app.logText().includes(ADMIN_TOKEN), false);
    });
  });

  it('a customer-service message, by a local caller without ADMIN_TOKEN; a refused send is not logged as sent', async () => {
    await withFakeWeChat({}, async (app, fake) => {
      const content = 'SECRET_CONTENT ' + '长'.repeat(1000); // two pieces
      const response = await post(app, '/api/messages/custom', { touser: 'oFollower_0002', reply: { type: 'text', content } }, {});
      assert.equal(response.status, 200, await response.text());
      const lines = sentLines(app);
      assert.equal(lines.length, 1, app.logText());
      const { time, ...line } = lines[0] ?? {};
      assert.equal(typeof time, 'number');
      assert.deepEqual(line, {
        level: 30,
        route: 'POST /api/messages/custom',
        to: 'oFol…0002',
        caller: 'local',
        sent: 2,
        msg: 'message sent',
      });
      fake.on('/cgi-bin/message/custom/send', { errcode: 45015, errmsg: 'response out of time limit' });
      const refused = await post(app, '/api/messages/custom', { touser: 'oFollower_0002', reply: { type: 'text', content: 'hi' } }, {});
      assert.equal(refused.status, 409);
      assert.equal(sentLines(app).length, 1);
      assert.equal(app.logText().includes('oFollower_0002'), false, 'the full openid was logged');
      assert.equal(app.logText().includes('SECRET_CONTENT'), false, 'the message was logged');
    });
  });
});

describe('POST /api/media with a broken multipart body (the server in its own process)', () => {
  let fake: FakeWeChat;
  let server: ServerProcess;
  let url: string;
  before(async () => {
    fake = await new FakeWeChat().start();
    const port = await freePort();
    server = runServer({ WECHAT_TOKEN: 'test-token', ...fake.env(), ADMIN_TOKEN, PORT: String(port), HOST: '127.0.0.1' });
    await untilListening(server);
    url = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
    await fake.stop();
  });

  /** The process is alive and still uploads a good file. */
  async function assertStillServing(): Promise<void> {
    assert.equal(server.child.exitCode, null, `the server died: ${server.stderr}`);
    const form = new FormData();
    form.append('media', new Blob([Buffer.alloc(10, 3)], { type: 'image/png' }), 'photo.png');
    const response = await fetch(`${url}/api/media?type=image`, { method: 'POST', headers: auth, body: form });
    assert.equal(response.status, 200, await response.text());
  }

  const part = (disposition: string) => `--B\r\nContent-Disposition: ${disposition}\r\n\r\n`;
  const broken: [string, string, string][] = [
    // 49 bytes, as in issue #27: cut just inside a file part (without a name).
    ['cut inside a nameless file part (49 bytes)', '--B\r\ncontent-disposition:form-data;filename=a\r\n\r\n', 'media'],
    ['cut inside the file, no closing boundary', `${part('form-data; name="media"; filename="a.png"')}PNGDATA`, 'body'],
    ['cut inside a part header', '--B\r\nContent-Disposition: form-data; name="media"; filena', 'body'],
    ['a part header that is not a header', '--B\r\n\x00\x01 not a header\r\n\r\nx\r\n--B--\r\n', 'body'],
    ['cut inside a field', `${part('form-data; name="note"')}hello`, 'body'],
    ['only the closing boundary', '--B--\r\n', 'media'],
    ['no boundary at all in the body', 'just some bytes', 'body'],
  ];
  for (const [name, body, field] of broken) {
    it(`${name}: 400 naming ${field}, and the server still answers`, async () => {
      const response = await fetch(`${url}/api/media?type=image`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'multipart/form-data; boundary=B' },
        body,
      });
      const answer = await answerOf(response);
      assert.equal(answer.status, 400, JSON.stringify(answer.body));
      assert.equal(answer.body.field, field);
      assert.match(String(answer.body.error), new RegExp(`^${field}: `));
      await assertStillServing();
    });
  }

  it('a Content-Type without a boundary: 400', async () => {
    const response = await fetch(`${url}/api/media?type=image`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'multipart/form-data' },
      body: part('form-data; name="media"; filename="a.png"'),
    });
    const { status, body } = await answerOf(response);
    assert.equal(status, 400);
    assert.equal(body.field, 'body');
    await assertStillServing();
  });

  it('a client that goes away mid-file: the server still answers', async () => {
    const socket = connect(Number(new URL(url).port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST /api/media?type=image HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${ADMIN_TOKEN}\r\n` +
        `Content-Type: multipart/form-data; boundary=B\r\nContent-Length: 100000\r\n\r\n` +
        `${part('form-data; name="media"; filename="a.png"')}${'x'.repeat(5000)}`,
    );
    await setTimeout(100);
    socket.destroy();
    await setTimeout(100);
    await assertStillServing();
  });

  it('no upload reached WeChat but the good ones', () => {
    assert.equal(fake.count(UPLOAD), broken.length + 2);
  });
});
