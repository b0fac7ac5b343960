import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { QrCode } from '../src/wechat-api/qrcode.js';
import { createQrCodeTickets } from '../src/wechat-api/qrcode-tickets.js';
import { requireAdmin } from '../src/http/admin-auth.js';
import { isLoopback } from '../src/http/client-address.js';
import { createLogger } from '../src/core/logger.js';
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
      ['format=json', 'scene_id'],
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
    it('html (default): the code drawn here as an inline SVG, beside WeChat’s showqrcode link, ticket URL-encoded', async () => {
      const response = await get('scene_id=5');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const html = await response.text();
      const image = /<img class="qr" src="data:image\/svg\+xml;base64,([^"]+)"/.exec(html)?.[1];
      assert.ok(image, html);
      assert.match(Buffer.from(image, 'base64').toString('utf8'), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      const src = /<a class="wechat" href="([^"]+)"/.exec(html)?.[1];
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
      const response = await get('scene_id=14&format=json');
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

describe('GET /qrcode: the form, ticket reuse, a url too long for a code', () => {
  const get = (app: RunningApp, query: string) => fetch(`${app.url}/qrcode${query === '' ? '' : `?${query}`}`, { headers: bearer });

  it('without parameters: a form (kind, scene, expiry) that the page’s CSP lets submit to this server', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const response = await get(app, '');
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(response.headers.get('content-security-policy') ?? '', /form-action 'self'/);
      const html = await response.text();
      assert.match(html, /<form class="qr-form" method="get" action="\/qrcode">/);
      for (const kind of ['temporary', 'permanent', 'string']) assert.match(html, new RegExp(`<option value="${kind}"`));
      assert.match(html, /<input name="scene"/);
      assert.match(html, /<input name="expire_seconds"/);
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 0);
    }));

  it('the form’s three kinds create the matching code and show it drawn here', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const cases: [string, unknown][] = [
        [
          'kind=temporary&scene=77&expire_seconds=600',
          { expire_seconds: 600, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 77 } } },
        ],
        [
          'kind=temporary&scene=78&expire_seconds=',
          { expire_seconds: 7200, action_name: 'QR_SCENE', action_info: { scene: { scene_id: 78 } } },
        ],
        ['kind=permanent&scene=79&expire_seconds=600', { action_name: 'QR_LIMIT_SCENE', action_info: { scene: { scene_id: 79 } } }],
        [
          'kind=string&scene=spring-sale&expire_seconds=',
          { action_name: 'QR_LIMIT_STR_SCENE', action_info: { scene: { scene_str: 'spring-sale' } } },
        ],
      ];
      for (const [query, body] of cases) {
        const response = await get(app, query);
        assert.equal(response.status, 200, query);
        const html = await response.text();
        assert.match(html, /<img class="qr" src="data:image\/svg\+xml;base64,/);
        assert.match(html, /<a class="png" href="\/qrcode\?[^"]*format=png"/);
        assert.deepEqual(fake.callsTo('/cgi-bin/qrcode/create').at(-1)?.body, body);
      }
    }));

  it('a bad entry: 400, the form again with the problem and the values, all escaped', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const evil = '"><script>alert(1)</script>';
      const response = await get(app, `kind=permanent&scene=${encodeURIComponent(evil)}&expire_seconds=1`);
      assert.equal(response.status, 400);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      const html = await response.text();
      assert.match(html, /<p class="error">scene must be a whole number from 1 to 100000<\/p>/);
      assert.ok(!html.includes('<script>'), html);
      assert.match(html, /value="&#34;&#62;&#60;script&#62;alert\(1\)&#60;\/script&#62;"/);
      assert.match(html, /<option value="permanent" selected>/);
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 0);
    }));

  it('a scene string shown on the result page is escaped', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app) => {
      const html = await (await get(app, `kind=string&scene=${encodeURIComponent('<b>&"x"')}`)).text();
      assert.match(html, /<dd class="scene">&#60;b&#62;&#38;&#34;x&#34;<\/dd>/);
      assert.ok(!html.includes('<b>'));
    }));

  it('reloads of one scene reuse its ticket, in every format; another kind, scene or expiry gets its own', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const tickets = new Set<string>();
      const json = async (query: string) => {
        const body = (await (await get(app, `${query}&format=json`)).json()) as { ticket: string; expire_seconds: number | null };
        tickets.add(body.ticket);
        return body;
      };
      for (let i = 0; i < 3; i++) await json('scene_id=31&expire_seconds=600');
      assert.equal((await get(app, 'scene_id=31&expire_seconds=600&format=png')).status, 200);
      assert.equal((await get(app, 'kind=temporary&scene=31&expire_seconds=600')).status, 200);
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 1);
      assert.ok((await json('scene_id=31&expire_seconds=600')).expire_seconds! <= 600);

      await json('scene_id=31&expire_seconds=601');
      await json('scene_id=31&permanent=1');
      await json('scene_id=31&permanent=1');
      assert.equal((await json('scene_str=31')).expire_seconds, null);
      await json('scene_str=31');
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 4);
      assert.equal(tickets.size, 4);
    }));

  it('a failure is not remembered: the next reload asks WeChat again', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      fake.on('/cgi-bin/qrcode/create', { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      assert.equal((await get(app, 'scene_id=32&format=json')).status, 502);
      assert.equal((await get(app, 'scene_id=32&format=json')).status, 200);
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 2);
    }));

  it('WeChat’s url too long for a QR code → 502 saying so, for the PNG and the page', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const url = `http://weixin.qq.com/q/${'x'.repeat(5000)}`;
      fake.on('/cgi-bin/qrcode/create', { body: { ticket: 'TICKET_LONG', url, expire_seconds: 60 } });
      for (const format of ['png', 'html']) {
        const response = await get(app, `scene_id=41&format=${format}`);
        assert.equal(response.status, 502, format);
        const body = (await response.json()) as { error: string };
        assert.match(body.error, /too long for a QR code \(5023 characters\)/);
      }
      assert.ok(app.logs.some((line) => line.msg === 'QR code not drawn: WeChat answered a url too long for one'));
      assert.ok(!app.logs.some((line) => line.level === 50), 'no error logged');
    }));
});

describe('QR code ticket reuse, on its own clock', () => {
  const request = { action: 'QR_SCENE', sceneId: 1, expireSeconds: 600 } as const;
  let created = 0;
  const create = (expireSeconds: number | null) => () =>
    Promise.resolve({ ticket: `T${++created}`, url: 'http://weixin.qq.com/q/x', expireSeconds, imageUrl: '' });

  it('hands a temporary ticket out until a minute before it expires, with the seconds it has left', async () => {
    let now = 1_000_000;
    const tickets = createQrCodeTickets(() => now);
    const first = await tickets.get(request, create(600));
    now += 300_000;
    const again = await tickets.get(request, create(600));
    assert.equal(again.ticket, first.ticket);
    assert.equal(again.expireSeconds, 300);
    now += 239_000;
    assert.equal((await tickets.get(request, create(600))).ticket, first.ticket);
    now += 1_000;
    const fresh = await tickets.get(request, create(600));
    assert.notEqual(fresh.ticket, first.ticket);
    assert.equal(fresh.expireSeconds, 600);
  });

  it('a short-lived ticket is reused for half its life; a permanent one for ever', async () => {
    let now = 0;
    const tickets = createQrCodeTickets(() => now);
    const short = { action: 'QR_SCENE', sceneId: 2, expireSeconds: 60 } as const;
    const first = await tickets.get(short, create(60));
    now = 29_000;
    assert.equal((await tickets.get(short, create(60))).ticket, first.ticket);
    now = 30_000;
    assert.notEqual((await tickets.get(short, create(60))).ticket, first.ticket);
    const permanent = { action: 'QR_LIMIT_SCENE', sceneId: 2 } as const;
    const kept = await tickets.get(permanent, create(null));
    now = 1e12;
    assert.equal((await tickets.get(permanent, create(null))).ticket, kept.ticket);
  });

  it('concurrent requests for one scene share one creation', async () => {
    const tickets = createQrCodeTickets();
    let calls = 0;
    const slow = () => {
      calls++;
      return new Promise<QrCode>((resolve) => setImmediate(() => resolve({ ticket: 'T', url: 'u', expireSeconds: 600, imageUrl: '' })));
    };
    const codes = await Promise.all(Array.from({ length: 10 }, () => tickets.get({ ...request, sceneId: 3 }, slow)));
    assert.equal(calls, 1);
    assert.ok(codes.every((code) => code.ticket === 'T'));
  });
});

describe('GET /qrcode: token fetched once, credentials, loopback rule', () => {
  it('50 concurrent requests on a cold cache, then 20 reloads, make one token fetch and 50 codes', () =>
    withFakeWeChat({ ADMIN_TOKEN }, async (app, fake) => {
      const concurrent = await Promise.all(
        Array.from({ length: 50 }, (_, i) => fetch(`${app.url}/qrcode?scene_id=${i + 1}&format=json`, { headers: bearer })),
      );
      assert.ok(concurrent.every((response) => response.status === 200));
      for (let i = 0; i < 20; i++) {
        assert.equal((await fetch(`${app.url}/qrcode?scene_id=${i + 1}&format=json`, { headers: bearer })).status, 200);
      }
      assert.equal(fake.tokenFetches(), 1);
      assert.equal(fake.count('/cgi-bin/qrcode/create'), 50, 'the 20 reloads reuse their scene’s ticket');
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

  it('without ADMIN_TOKEN: serves loopback clients that come straight, and warns at start-up', () =>
    withFakeWeChat({}, async (app) => {
      const response = await fetch(`${app.url}/qrcode?scene_id=1&format=json`);
      assert.equal(response.status, 200);
      assert.ok(app.logs.some((line) => line.level === 40 && String(line.msg).includes('ADMIN_TOKEN')));
    }));

  it('without ADMIN_TOKEN: a client that is not loopback gets 403, whatever its headers say', () => {
    // A non-loopback connection cannot be opened in this sandbox, so the guard is called
    // with the socket address such a connection would have.
    let status = 0;
    let nextCalled = false;
    const res = { status: (code: number) => ((status = code), res), json: () => res, set: () => res };
    requireAdmin(undefined, createLogger('silent'))(
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
