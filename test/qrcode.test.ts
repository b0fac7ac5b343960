import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { isLoopback, requireAdmin } from '../src/http/admin-auth.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, withFakeWeChat, type RunningApp } from './helpers/start-app.js';

const ADMIN_TOKEN = 'admin-secret-5d8e1a';
const bearer = { Authorization: `Bearer ${ADMIN_TOKEN}` };

describe('GET /qrcode', () => {
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

  const get = (query: string, headers: Record<string, string> = bearer) => fetch(`${app.url}/qrcode?${query}`, { headers });
  const lastCreate = () => fake.callsTo('/cgi-bin/qrcode/create').at(-1);

  describe('admin authentication', () => {
    it('answers 401 with WWW-Authenticate: Basic without credentials', async () => {
      const response = await get('scene_id=1', {});
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic/);
    });

    it('answers 401 to a wrong Bearer token', async () => {
      assert.equal((await get('scene_id=1', { Authorization: 'Bearer nope' })).status, 401);
    });

    it('answers 401 to Basic with a wrong password', async () => {
      const wrong = Buffer.from(`admin:${ADMIN_TOKEN}x`).toString('base64');
      assert.equal((await get('scene_id=1', { Authorization: `Basic ${wrong}` })).status, 401);
    });

    for (const header of [
      `Bearer ${ADMIN_TOKEN} garbage`,
      `Bearer  ${ADMIN_TOKEN}`,
      `Bearer ${ADMIN_TOKEN},Basic x`,
      `Basic ${Buffer.from(`a:${ADMIN_TOKEN}`).toString('base64')} garbage`,
      `Basic ${Buffer.from(`a:${ADMIN_TOKEN}`).toString('base64')}!!`,
      `Token ${ADMIN_TOKEN}`,
    ]) {
      it(`answers 401 to a header that is not exactly one scheme and credential (${header.replace(ADMIN_TOKEN, 'ADMIN_TOKEN')})`, async () => {
        assert.equal((await get('scene_id=1', { Authorization: header })).status, 401);
      });
    }

    it('serves Bearer ADMIN_TOKEN', async () => {
      assert.equal((await get('scene_id=1&format=json')).status, 200);
    });

    it('serves Basic with ADMIN_TOKEN as password (any user name), as a browser sends it', async () => {
      const basic = Buffer.from(`anyone:${ADMIN_TOKEN}`).toString('base64');
      assert.equal((await get('scene_id=1&format=json', { Authorization: `Basic ${basic}` })).status, 200);
    });

    it('never logs ADMIN_TOKEN, the AppSecret or an access token', async () => {
      await get('scene_id=1', { Authorization: 'Bearer wrong-token' });
      fake.on('/cgi-bin/qrcode/create', { errcode: 40001 });
      await get('scene_id=2');
      const logs = app.logText();
      assert.ok(!logs.includes(ADMIN_TOKEN));
      assert.ok(!logs.includes(fake.appSecret));
      assert.ok(!logs.includes('ACCESS_TOKEN_'), 'an access token was logged');
      assert.ok(!logs.includes('wrong-token'));
    });
  });

  describe('the three kinds of code', () => {
    it('scene_id=N: a temporary QR_SCENE, 7200 s by default', async () => {
      const response = await get('scene_id=123&format=json');
      assert.equal(response.status, 200);
      assert.deepEqual(lastCreate()?.body, { expire_seconds: 7200, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 123 } } });
    });

    it('scene_id=N&expire_seconds=S: the expiry asked for', async () => {
      await get('scene_id=4294967295&expire_seconds=2592000&format=json');
      assert.deepEqual(lastCreate()?.body, {
        expire_seconds: 2592000,
        action_name: 'QR_SCENE',
        action_info: { scene: { scene_id: 4294967295 } },
      });
    });

    it('scene_id=N&permanent=1: QR_LIMIT_SCENE', async () => {
      await get('scene_id=100000&permanent=1&format=json');
      assert.deepEqual(lastCreate()?.body, { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 100000 } } });
    });

    it('scene_str=S: QR_LIMIT_STR_SCENE, 64 characters allowed', async () => {
      const scene = '场'.repeat(64);
      const response = await get(`scene_str=${encodeURIComponent(scene)}&format=json`);
      assert.equal(response.status, 200);
      assert.deepEqual(lastCreate()?.body, { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: scene } } });
    });
  });

  describe('validation: 400 naming the parameter', () => {
    const cases: [string, string][] = [
      ['', 'scene_id'],
      ['scene_id=', 'scene_id'],
      ['scene_id=0', 'scene_id'],
      ['scene_id=4294967296', 'scene_id'],
      ['scene_id=-1', 'scene_id'],
      ['scene_id=1.5', 'scene_id'],
      ['scene_id=abc', 'scene_id'],
      ['scene_id=1&scene_id=2', 'scene_id'],
      ['scene_id=100001&permanent=1', 'scene_id'],
      ['scene_id=1&permanent=yes', 'permanent'],
      ['scene_str=', 'scene_str'],
      [`scene_str=${'x'.repeat(65)}`, 'scene_str'],
      ['scene_id=1&expire_seconds=0', 'expire_seconds'],
      ['scene_id=1&expire_seconds=2592001', 'expire_seconds'],
      ['scene_id=1&expire_seconds=soon', 'expire_seconds'],
      ['scene_id=1&scene_str=a', 'scene_id'],
      ['scene_id=1&format=gif', 'format'],
    ];
    for (const [query, parameter] of cases) {
      it(`?${query.slice(0, 40)} → 400 naming ${parameter}`, async () => {
        const response = await get(query);
        assert.equal(response.status, 400);
        const body = (await response.json()) as { error: string; parameter: string };
        assert.equal(body.parameter, parameter);
        assert.match(body.error, new RegExp(parameter));
      });
    }
    it('calls WeChat for none of them', () => {
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 0);
    });
  });

  describe('formats', () => {
    it('html (default): a page with the showqrcode image, ticket URL-encoded', async () => {
      const response = await get('scene_id=5');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const html = await response.text();
      const src = /<img class="qr" src="([^"]+)"/.exec(html)?.[1];
      assert.ok(src, html);
      assert.match(src, /^https:\/\/mp\.weixin\.qq\.com\/cgi-bin\/showqrcode\?ticket=/);
      const ticket = new URL(src.replaceAll('&#38;', '&')).searchParams.get('ticket');
      assert.ok(ticket?.includes('==+/'), 'the ticket round-trips through its URL encoding');
      assert.ok(src.includes('%3D%3D%2B%2F'), 'the ticket is URL-encoded');
    });

    it('json: ticket, url, expire_seconds, image_url', async () => {
      const response = await get('scene_id=6&expire_seconds=60&format=json');
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      const body = (await response.json()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), ['expire_seconds', 'image_url', 'ticket', 'url']);
      assert.equal(body.expire_seconds, 60);
      assert.match(String(body.url), /^http:\/\/weixin\.qq\.com\/q\//);
      assert.equal(body.image_url, `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(String(body.ticket))}`);
    });

    it('png: a PNG rendered locally', async () => {
      const response = await get('scene_id=7&format=png');
      assert.equal(response.headers.get('content-type'), 'image/png');
      const bytes = Buffer.from(await response.arrayBuffer());
      assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
      assert.ok(bytes.length > 200);
    });

    it('the Accept header chooses json or png when format is absent', async () => {
      const json = await get('scene_id=8', { ...bearer, Accept: 'application/json' });
      assert.match(json.headers.get('content-type') ?? '', /^application\/json/);
      const png = await get('scene_id=9', { ...bearer, Accept: 'image/png' });
      assert.equal(png.headers.get('content-type'), 'image/png');
      await png.arrayBuffer();
    });
  });

  describe('failures', () => {
    it('WeChat answers errcode 45009 → 502 with it', async () => {
      fake.on('/cgi-bin/qrcode/create', { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      const response = await get('scene_id=10');
      assert.equal(response.status, 502);
      assert.deepEqual(await response.json(), { errcode: 45009, errmsg: 'reach max api daily quota limit' });
    });

    it('an answer without ticket or url → 502, for every format', async () => {
      for (const format of ['html', 'json', 'png']) {
        fake.on('/cgi-bin/qrcode/create', { body: { expire_seconds: 60 } });
        const response = await get(`scene_id=13&format=${format}`);
        assert.equal(response.status, 502, format);
        await response.arrayBuffer();
      }
    });

    it('errcode 40001 once → one refresh, one retry, 200', async () => {
      await get('scene_id=11&format=json');
      fake.calls.length = 0;
      fake.revokeTokens();
      const response = await get('scene_id=11&format=json');
      assert.equal(response.status, 200);
      assert.equal(fake.tokenFetches(), 1);
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 2);
    });

    it('a hanging WeChat → 502 within the 5 s timeout', async () => {
      fake.on('/cgi-bin/qrcode/create', { hang: true });
      const started = Date.now();
      const response = await get('scene_id=12');
      const elapsed = Date.now() - started;
      assert.equal(response.status, 502);
      assert.match(((await response.json()) as { error: string }).error, /could not be reached/);
      assert.ok(elapsed < 7000, `took ${elapsed} ms`);
    });
  });
});

describe('GET /qrcode: token fetched once, credentials, loopback rule', () => {
  it('20 sequential and 50 concurrent requests on a cold cache make one token fetch', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const concurrent = await Promise.all(
        Array.from({ length: 50 }, (_, i) => fetch(`${app.url}/qrcode?scene_id=${i + 1}&format=json`, { headers: bearer })),
      );
      assert.ok(concurrent.every((response) => response.status === 200));
      for (let i = 0; i < 20; i++) {
        assert.equal((await fetch(`${app.url}/qrcode?scene_id=${i + 1}&format=json`, { headers: bearer })).status, 200);
      }
      assert.equal(fake.tokenFetches(), 1);
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 70);
    }));

  it('a wrong AppSecret → 502 with WeChat’s errcode', () =>
    withFakeWeChat({ WECHAT_APPSECRET: 'wrong-secret', ADMIN_TOKEN }, async (app) => {
      const response = await fetch(`${app.url}/qrcode?scene_id=1`, { headers: bearer });
      assert.equal(response.status, 502);
      assert.equal(((await response.json()) as { errcode: number }).errcode, 40125);
    }));

  it('no AppID/AppSecret → 503', async () => {
    const app = await startApp({ ADMIN_TOKEN });
    try {
      assert.equal((await fetch(`${app.url}/qrcode?scene_id=1`, { headers: bearer })).status, 503);
    } finally {
      await app.close();
    }
  });

  it('without ADMIN_TOKEN: serves loopback clients, even with a forwarded-for header, and warns at start-up', () =>
    withFakeWeChat({}, async (app) => {
      const response = await fetch(`${app.url}/qrcode?scene_id=1&format=json`, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
      assert.equal(response.status, 200);
      assert.ok(app.logs.some((line) => line.level === 40 && String(line.msg).includes('ADMIN_TOKEN')));
    }));

  it('without ADMIN_TOKEN: a client that is not loopback gets 403', () => {
    // A non-loopback connection cannot be opened in this sandbox, so the guard is called
    // with the socket address such a connection would have.
    let status = 0;
    let nextCalled = false;
    const res = { status: (code: number) => ((status = code), res), json: () => res, set: () => res };
    requireAdmin(undefined)(
      { socket: { remoteAddress: '203.0.113.9' }, headers: { 'x-forwarded-for': '127.0.0.1' } } as never,
      res as never,
      () => (nextCalled = true),
    );
    assert.equal(status, 403);
    assert.equal(nextCalled, false);
    for (const address of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(address), address);
    for (const address of ['10.0.0.1', '::ffff:10.0.0.1', '203.0.113.9', undefined]) assert.ok(!isLoopback(address), String(address));
  });
});
