import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { createApiClient } from '../src/wechat-api/client.js';
import { AccessToken } from '../src/wechat-api/access-token.js';
import { createApiTransport } from '../src/wechat-api/transport.js';
import { createJsapiTicket } from '../src/wechat-api/jsapi-ticket.js';
import { loadConfig } from '../src/core/config.js';
import { ConfigError } from '../src/core/errors.js';
import { FIRST_BACK_OFF_MS, LONGEST_BACK_OFF_MS } from '../src/core/failure-back-off.js';
import { createNonceStr, signJssdk } from '../src/protocol/jssdk-signature.js';
import { TICKET_PATH } from './helpers/fake-jsapi-ticket.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { runServer } from './helpers/run-server.js';
import { startApp, withFakeWeChat, type RunningApp } from './helpers/start-app.js';

/** The test's own SHA-1 of WeChat's string, independent of the code under test. */
function expectedSignature(ticket: string, nonceStr: string, timestamp: number, url: string): string {
  return createHash('sha1').update(`jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${url}`).digest('hex');
}

interface ConfigAnswer {
  appId: string;
  timestamp: number;
  nonceStr: string;
  signature: string;
}

const PAGE = 'https://shop.example.com/item?id=7&from=singlemessage';
const DOMAINS = { JSSDK_DOMAINS: 'shop.example.com, m.example.com' };

/** Like withFakeWeChat, with the app's clock (the token's and the ticket's) in the test's hands. */
async function withClockedApp(test: (app: RunningApp, fake: FakeWeChat, clock: { advance(ms: number): void }) => Promise<void>) {
  let now = Date.now();
  const fake = await new FakeWeChat().start();
  try {
    const app = await startApp({ ...fake.env(), ...DOMAINS }, { now: () => now });
    try {
      await test(app, fake, { advance: (ms) => void (now += ms) });
    } finally {
      await app.close();
    }
  } finally {
    await fake.stop();
  }
}

function sign(app: RunningApp, url: string | undefined, headers: Record<string, string> = {}) {
  const query = url === undefined ? '' : `?url=${encodeURIComponent(url)}`;
  return fetch(`${app.url}/jssdk/config${query}`, { headers });
}

describe('the JS-SDK signature', () => {
  it('reproduces the example of WeChat’s JS-SDK documentation', () => {
    const signature = signJssdk({
      ticket: 'sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg',
      nonceStr: 'Wm3WZYTPz0wzccnW',
      timestamp: 1414587457,
      url: 'http://mp.weixin.qq.com?params=value',
    });
    assert.equal(signature, '0f9de62fce790f9a083d5c99e95740ceb90c27ed');
  });

  it('signs the URL without its #… part, and otherwise exactly as given', () => {
    const base = { ticket: 't', nonceStr: 'n', timestamp: 1 };
    const plain = signJssdk({ ...base, url: 'https://a.example/p?q=%E4%B8%AD&x=1' });
    assert.equal(signJssdk({ ...base, url: 'https://a.example/p?q=%E4%B8%AD&x=1#/route?y=2' }), plain);
    assert.equal(plain, expectedSignature('t', 'n', 1, 'https://a.example/p?q=%E4%B8%AD&x=1'));
    assert.notEqual(signJssdk({ ...base, url: 'https://a.example/p?q=中&x=1' }), plain, 'not decoded');
  });

  it('nonces are 16 letters and digits, and differ', () => {
    const nonces = new Set(Array.from({ length: 100 }, () => createNonceStr()));
    assert.equal(nonces.size, 100);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9]{16}$/);
  });
});

describe('JSSDK_DOMAINS', () => {
  const load = (env: Record<string, string>) => loadConfig({ WECHAT_TOKEN: 't', ...env }).jssdkDomains;

  it('defaults to the host of PUBLIC_URL, or to nothing', () => {
    assert.deepEqual(load({ PUBLIC_URL: 'https://Mp.Example.com:8443/base' }), ['mp.example.com']);
    assert.deepEqual(load({}), []);
  });

  it('reads comma-separated host names, lower-cased, internationalised ones in punycode', () => {
    assert.deepEqual(load({ JSSDK_DOMAINS: ' A.example.com,b.example.org , 127.0.0.1,例子.中国' }), [
      'a.example.com',
      'b.example.org',
      '127.0.0.1',
      'xn--fsqu00a.xn--fiqs8s',
    ]);
  });

  for (const entry of [
    'https://a.example.com',
    'a.example.com:8080',
    '*.example.com',
    'a.example.com/path',
    'a b',
    'a..b',
    'user@a.com',
    ',',
  ]) {
    it(`refuses "${entry}", naming the variable`, () => {
      assert.throws(
        () => load({ JSSDK_DOMAINS: entry }),
        (error) => error instanceof ConfigError && error.variable === 'JSSDK_DOMAINS' && error.message.startsWith('JSSDK_DOMAINS '),
      );
    });
  }

  it('a bad entry stops the server: exit 1, one line naming JSSDK_DOMAINS', async () => {
    const server = runServer({ WECHAT_TOKEN: 't', JSSDK_DOMAINS: 'good.example.com,https://bad.example.com' });
    assert.equal(await server.exited, 1);
    const lines = server.stderr.trim().split('\n');
    assert.equal(lines.length, 1, server.stderr);
    assert.match(lines[0] ?? '', /JSSDK_DOMAINS/);
  });
});

describe('GET /jssdk/config', () => {
  it('answers appId, timestamp, nonceStr and a signature of the page’s URL with the ticket', () =>
    withFakeWeChat(DOMAINS, async (app, fake) => {
      const response = await sign(app, PAGE);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const body = (await response.json()) as ConfigAnswer;
      assert.deepEqual(Object.keys(body).sort(), ['appId', 'nonceStr', 'signature', 'timestamp']);
      assert.equal(body.appId, fake.appId);
      assert.ok(Number.isSafeInteger(body.timestamp));
      assert.match(body.nonceStr, /^[A-Za-z0-9]{16}$/);
      assert.equal(body.signature, expectedSignature(fake.jsapi.latest(), body.nonceStr, body.timestamp, PAGE));
      const [call] = fake.callsTo(TICKET_PATH);
      assert.equal(call?.query.type, 'jsapi');
      assert.match(call?.query.access_token ?? '', /^ACCESS_TOKEN_/);
      assert.ok(!app.logText().includes(fake.jsapi.latest()), 'the ticket is never logged');
    }));

  it('strips the #… part before signing', () =>
    withFakeWeChat(DOMAINS, async (app, fake) => {
      const body = (await (await sign(app, `${PAGE}#/cart?step=2`)).json()) as ConfigAnswer;
      assert.equal(body.signature, expectedSignature(fake.jsapi.latest(), body.nonceStr, body.timestamp, PAGE));
    }));

  it('any port of an allowed host is allowed', () =>
    withFakeWeChat(DOMAINS, async (app) => {
      assert.equal((await sign(app, 'http://m.example.com:8080/')).status, 200);
    }));

  const refused: [string, string | undefined, RegExp][] = [
    ['a missing url', undefined, /url is required/],
    ['an empty url', '', /url is required/],
    ['a foreign host', 'https://evil.example.net/shop.example.com', /evil\.example\.net is not in JSSDK_DOMAINS/],
    ['an allowed name as a subdomain', 'https://shop.example.com.evil.net/', /not in JSSDK_DOMAINS/],
    ['an allowed name as user info', 'https://shop.example.com@evil.net/', /evil\.net is not in JSSDK_DOMAINS/],
    ['a parent of an allowed host', 'https://example.com/', /not in JSSDK_DOMAINS/],
    ['a relative URL', '/item?id=7', /http/],
    ['javascript:', 'javascript:alert(1)//shop.example.com', /http/],
    ['ftp:', 'ftp://shop.example.com/file', /http/],
    ['a URL that does not parse', 'https://', /http/],
    ['a URL of 5,000 characters', `https://shop.example.com/${'a'.repeat(5000)}`, /at most/],
  ];
  for (const [what, url, message] of refused) {
    it(`400 JSON for ${what}, without asking WeChat`, () =>
      withFakeWeChat(DOMAINS, async (app, fake) => {
        const response = await sign(app, url);
        assert.equal(response.status, 400);
        const body = (await response.json()) as { error: string };
        assert.match(body.error, message);
        assert.equal(fake.calls.length, 0);
      }));
  }

  it('400 for a url given twice', () =>
    withFakeWeChat(DOMAINS, async (app) => {
      const response = await fetch(`${app.url}/jssdk/config?url=${encodeURIComponent(PAGE)}&url=${encodeURIComponent(PAGE)}`);
      assert.equal(response.status, 400);
    }));

  it('400 for every URL when neither JSSDK_DOMAINS nor PUBLIC_URL is set', () =>
    withFakeWeChat({}, async (app) => {
      assert.equal((await sign(app, PAGE)).status, 400);
    }));

  it('503 JSON without AppID and AppSecret', async () => {
    const app = await startApp(DOMAINS);
    try {
      const response = await sign(app, PAGE);
      assert.equal(response.status, 503);
      assert.match(((await response.json()) as { error: string }).error, /WECHAT_APPID/);
    } finally {
      await app.close();
    }
  });

  it('502 JSON with WeChat’s errcode when it refuses the token (40164: IP not whitelisted)', () =>
    withFakeWeChat(DOMAINS, async (app, fake) => {
      fake.on('/cgi-bin/stable_token', { errcode: 40164, errmsg: 'invalid ip 1.2.3.4, not in whitelist' });
      const response = await sign(app, PAGE);
      assert.equal(response.status, 502);
      const body = (await response.json()) as { errcode: number; errmsg: string };
      assert.equal(body.errcode, 40164);
      assert.match(body.errmsg, /whitelist/);
    }));

  it('502 JSON with WeChat’s errcode when it refuses the ticket', () =>
    withFakeWeChat(DOMAINS, async (app, fake) => {
      fake.on(TICKET_PATH, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      const response = await sign(app, PAGE);
      assert.equal(response.status, 502);
      assert.equal(((await response.json()) as { errcode: number }).errcode, 45009);
    }));

  it('502 JSON when WeChat is unreachable', async () => {
    const fake = await new FakeWeChat().start();
    const closed = fake.url;
    await fake.stop();
    const app = await startApp({ ...fake.env(), WECHAT_API_BASE: closed, ...DOMAINS });
    try {
      const response = await sign(app, PAGE);
      assert.equal(response.status, 502);
      assert.match(((await response.json()) as { error: string }).error, /could not be reached/);
    } finally {
      await app.close();
    }
  });

  it('an empty ticket from WeChat is never used: 502, and the call after the wait fetches a real one', () =>
    withClockedApp(async (app, fake, clock) => {
      fake.jsapi.nextAnswer = { errcode: 0, errmsg: 'ok', ticket: '', expires_in: 7200 };
      assert.equal((await sign(app, PAGE)).status, 502);
      clock.advance(FIRST_BACK_OFF_MS);
      const response = await sign(app, PAGE);
      assert.equal(response.status, 200);
      const body = (await response.json()) as ConfigAnswer;
      assert.equal(body.signature, expectedSignature(fake.jsapi.latest(), body.nonceStr, body.timestamp, PAGE));
      assert.equal(fake.jsapi.fetches, 2);
    }));

  it('50 calls while WeChat refuses the ticket: one ticket fetch and one warning, the waits growing; signed again once WeChat recovers', () =>
    withClockedApp(async (app, fake, clock) => {
      fake.on(TICKET_PATH, { errcode: 45009, errmsg: 'reach max api daily quota limit', times: 1000 });
      for (let i = 0; i < 50; i++) {
        const response = await sign(app, `${PAGE}&n=${i}`);
        assert.equal(response.status, 502);
        assert.equal(((await response.json()) as { errcode: number }).errcode, 45009);
      }
      assert.equal(fake.count(TICKET_PATH), 1, 'the failure is remembered, WeChat not asked again');
      const warnings = () => app.logs.filter((line) => line.msg === 'JS-SDK config not signed');
      assert.equal(warnings().length, 1);

      clock.advance(FIRST_BACK_OFF_MS);
      assert.equal((await sign(app, PAGE)).status, 502);
      assert.equal((await sign(app, PAGE)).status, 502);
      assert.equal(fake.count(TICKET_PATH), 2, 'one more fetch once the first wait is over');
      clock.advance(FIRST_BACK_OFF_MS);
      assert.equal((await sign(app, PAGE)).status, 502);
      assert.equal(fake.count(TICKET_PATH), 2, 'the second wait is twice as long');
      clock.advance(FIRST_BACK_OFF_MS);
      assert.equal((await sign(app, PAGE)).status, 502);
      assert.equal(fake.count(TICKET_PATH), 3);
      assert.equal(warnings().length, 1, 'still one warning within the interval');

      fake.off(TICKET_PATH);
      clock.advance(LONGEST_BACK_OFF_MS);
      const response = await sign(app, PAGE);
      assert.equal(response.status, 200);
      const body = (await response.json()) as ConfigAnswer;
      assert.equal(body.signature, expectedSignature(fake.jsapi.latest(), body.nonceStr, body.timestamp, PAGE));
      assert.equal(fake.count(TICKET_PATH), 4);
    }));

  it('50 concurrent calls on a cold cache make one ticket fetch (and one token fetch)', () =>
    withFakeWeChat(DOMAINS, async (app, fake) => {
      const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => sign(app, `${PAGE}&n=${i}`)));
      assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
      assert.equal(fake.count(TICKET_PATH), 1);
      assert.equal(fake.tokenFetches(), 1);
      // …and later calls reuse it.
      assert.equal((await sign(app, PAGE)).status, 200);
      assert.equal(fake.count(TICKET_PATH), 1);
    }));

  it('a ticket fetch refused for the token (stale token): one token refresh, one ticket refetch', () =>
    withFakeWeChat({ ...DOMAINS, ADMIN_TOKEN: 'admin-token-for-tests' }, async (app, fake) => {
      // The token is in use (a QR code) before the first ticket is asked for…
      const qr = await fetch(`${app.url}/qrcode?scene_id=1&format=json`, { headers: { Authorization: 'Bearer admin-token-for-tests' } });
      assert.equal(qr.status, 200);
      // …and another system's fetch has replaced it since.
      fake.revokeTokens();
      fake.calls.length = 0;
      const response = await sign(app, PAGE);
      assert.equal(response.status, 200);
      assert.equal(fake.tokenFetches(), 1, 'one token refresh');
      assert.equal(fake.count(TICKET_PATH), 2, 'one ticket refetch');
      const [first, second] = fake.callsTo(TICKET_PATH);
      assert.notEqual(first?.query.access_token, second?.query.access_token);
      const body = (await response.json()) as ConfigAnswer;
      assert.equal(body.signature, expectedSignature(fake.jsapi.latest(), body.nonceStr, body.timestamp, PAGE));
    }));

  it('errcode 40001 on the ticket fetch (token mode): one token refresh, one ticket refetch', () =>
    withFakeWeChat({ ...DOMAINS, WECHAT_TOKEN_MODE: 'token' }, async (app, fake) => {
      fake.jsapi.refuseTokenOnce();
      assert.equal((await sign(app, PAGE)).status, 200);
      assert.equal(fake.tokenFetches(), 2, 'the first fetch and one refresh');
      assert.equal(fake.jsapi.fetches, 2);
      assert.equal(fake.jsapi.issued.length, 1);
    }));
});

describe('GET /jssdk/config?open_tags=…', () => {
  const signWithTags = (app: RunningApp, tags: string) =>
    fetch(`${app.url}/jssdk/config?url=${encodeURIComponent(PAGE)}&open_tags=${encodeURIComponent(tags)}`);

  it('open_tags=wx-open-subscribe adds openTagList, the signature as without it', () =>
    withFakeWeChat(DOMAINS, async (app, fake) => {
      const response = await signWithTags(app, 'wx-open-subscribe');
      assert.equal(response.status, 200);
      const body = (await response.json()) as ConfigAnswer & { openTagList: string[] };
      assert.deepEqual(Object.keys(body).sort(), ['appId', 'nonceStr', 'openTagList', 'signature', 'timestamp']);
      assert.deepEqual(body.openTagList, ['wx-open-subscribe']);
      assert.equal(body.signature, expectedSignature(fake.jsapi.latest(), body.nonceStr, body.timestamp, PAGE));
    }));

  it('takes every open tag of WeChat’s, comma-separated, in the order given, spaces ignored and each once', () =>
    withFakeWeChat(DOMAINS, async (app) => {
      const response = await signWithTags(app, 'wx-open-audio, wx-open-launch-weapp,wx-open-launch-app ,wx-open-subscribe,wx-open-audio');
      assert.equal(response.status, 200);
      assert.deepEqual(((await response.json()) as { openTagList: string[] }).openTagList, [
        'wx-open-audio',
        'wx-open-launch-weapp',
        'wx-open-launch-app',
        'wx-open-subscribe',
      ]);
    }));

  const refused: [string, string, RegExp][] = [
    [
      'an unknown tag',
      'wx-open-subscribe,wx-open-launch-miniprogram',
      /^open_tags: unknown tag "wx-open-launch-miniprogram"; WeChat's open tags are wx-open-launch-weapp, /,
    ],
    ['a tag in capitals', 'WX-OPEN-SUBSCRIBE', /^open_tags: unknown tag "WX-OPEN-SUBSCRIBE"/],
    ['a JS-SDK API, not a tag', 'scanQRCode', /^open_tags: unknown tag "scanQRCode"/],
    ['an empty value', '', /^open_tags: an empty tag/],
    ['an empty tag between commas', 'wx-open-subscribe,,wx-open-audio', /^open_tags: an empty tag/],
    ['a trailing comma', 'wx-open-subscribe,', /^open_tags: an empty tag/],
    ['a value of 300 characters', 'wx-open-audio,'.repeat(22), /^open_tags: longer than 256 characters/],
  ];
  for (const [what, tags, message] of refused) {
    it(`400 JSON naming open_tags for ${what}, without asking WeChat`, () =>
      withFakeWeChat(DOMAINS, async (app, fake) => {
        const response = await signWithTags(app, tags);
        assert.equal(response.status, 400);
        const body = (await response.json()) as { error: string; field: string };
        assert.match(body.error, message);
        assert.equal(body.field, 'open_tags');
        assert.equal(fake.calls.length, 0);
      }));
  }

  it('400 naming open_tags when it is given twice', () =>
    withFakeWeChat(DOMAINS, async (app) => {
      const response = await fetch(
        `${app.url}/jssdk/config?url=${encodeURIComponent(PAGE)}&open_tags=wx-open-audio&open_tags=wx-open-subscribe`,
      );
      assert.equal(response.status, 400);
      assert.match(((await response.json()) as { error: string }).error, /^open_tags: given more than once/);
    }));
});

describe('CORS on /jssdk/config', () => {
  it('a page on an allowed host (any port) gets Access-Control-Allow-Origin for its origin', () =>
    withFakeWeChat(DOMAINS, async (app) => {
      const response = await sign(app, PAGE, { Origin: 'https://shop.example.com:8443' });
      assert.equal(response.status, 200);
      assert.equal(response.headers.get('access-control-allow-origin'), 'https://shop.example.com:8443');
      assert.match(response.headers.get('vary') ?? '', /Origin/);
      assert.equal(response.headers.get('access-control-allow-credentials'), null);
    }));

  it('another origin gets no CORS header, never *', () =>
    withFakeWeChat(DOMAINS, async (app) => {
      for (const origin of ['https://evil.example.net', 'null', 'https://shop.example.com.evil.net', 'file://', 'not a url']) {
        const response = await sign(app, PAGE, { Origin: origin });
        assert.equal(response.headers.get('access-control-allow-origin'), null, origin);
        for (const name of response.headers.keys()) assert.ok(!name.startsWith('access-control-'), `${origin}: ${name}`);
      }
      const without = await sign(app, PAGE);
      assert.equal(without.status, 200, 'a request without Origin (a server) is signed');
      assert.equal(without.headers.get('access-control-allow-origin'), null);
    }));

  it('a preflight from an allowed origin → 204 with the CORS headers', () =>
    withFakeWeChat(DOMAINS, async (app, fake) => {
      const response = await fetch(`${app.url}/jssdk/config?url=x`, {
        method: 'OPTIONS',
        headers: {
          Origin: 'https://m.example.com',
          'Access-Control-Request-Method': 'GET',
          'Access-Control-Request-Headers': 'x-requested-with',
        },
      });
      assert.equal(response.status, 204);
      assert.equal(response.headers.get('access-control-allow-origin'), 'https://m.example.com');
      assert.match(response.headers.get('access-control-allow-methods') ?? '', /GET/);
      assert.equal(response.headers.get('access-control-allow-headers'), 'x-requested-with');
      assert.equal(fake.calls.length, 0);
    }));

  it('a preflight from another origin gets no CORS header', () =>
    withFakeWeChat(DOMAINS, async (app) => {
      const response = await fetch(`${app.url}/jssdk/config`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://evil.example.net', 'Access-Control-Request-Method': 'GET' },
      });
      assert.notEqual(response.status, 204);
      for (const name of response.headers.keys()) assert.ok(!name.startsWith('access-control-'), name);
    }));
});

describe('GET /jssdk/demo', () => {
  it('is guarded like /qrcode', () =>
    withFakeWeChat({ ...DOMAINS, ADMIN_TOKEN: 'demo-admin-token-1234' }, async (app) => {
      assert.equal((await fetch(`${app.url}/jssdk/demo`)).status, 401);
      assert.equal((await fetch(`${app.url}/jssdk/demo`, { headers: { Authorization: 'Bearer wrong' } })).status, 401);
      assert.equal((await fetch(`${app.url}/jssdk/demo`, { headers: { Authorization: 'Bearer demo-admin-token-1234' } })).status, 200);
    }));

  it('loads jweixin and its own script by nonce; no other page may run scripts', () =>
    withFakeWeChat({ ...DOMAINS, ADMIN_TOKEN: 'demo-admin-token-1234' }, async (app) => {
      const response = await fetch(`${app.url}/jssdk/demo`, { headers: { Authorization: 'Bearer demo-admin-token-1234' } });
      const csp = response.headers.get('content-security-policy') ?? '';
      const nonce = /'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
      assert.ok(nonce, csp);
      assert.match(csp, /script-src https:\/\/res\.wx\.qq\.com /);
      assert.match(csp, /connect-src 'self'/);
      const html = await response.text();
      assert.ok(html.includes(`<script src="https://res.wx.qq.com/open/js/jweixin-1.6.0.js" nonce="${nonce}"></script>`));
      assert.ok(html.includes(`<script nonce="${nonce}">`));
      const again = await fetch(`${app.url}/jssdk/demo`, { headers: { Authorization: 'Bearer demo-admin-token-1234' } });
      assert.notEqual(/'nonce-([^']+)'/.exec(again.headers.get('content-security-policy') ?? '')?.[1], nonce);
      const other = await fetch(`${app.url}/qrcode?scene_id=1`, { headers: { Authorization: 'Bearer demo-admin-token-1234' } });
      assert.doesNotMatch(other.headers.get('content-security-policy') ?? '', /script-src|res\.wx\.qq\.com/);
    }));
});

describe('the jsapi ticket kept fresh', () => {
  it('is reused until 5 minutes before it expires (half its lifetime when short)', async () => {
    const fake = await new FakeWeChat().start();
    try {
      let now = Date.now();
      const transport = createApiTransport(fake.url);
      const accessToken = new AccessToken({ transport, appId: fake.appId, appSecret: fake.appSecret, mode: 'token' });
      const ticket = createJsapiTicket({ client: createApiClient(transport, accessToken), now: () => now });
      const first = await ticket.get();
      now += (7200 - 5 * 60 - 1) * 1000;
      assert.equal(await ticket.get(), first);
      assert.equal(fake.jsapi.fetches, 1);
      now += 2000;
      assert.notEqual(await ticket.get(), first);
      assert.equal(fake.jsapi.fetches, 2);

      fake.jsapi.expiresIn = 400; // under 10 minutes: refreshed after half of it
      now += 7200 * 1000;
      const short = await ticket.get();
      now += 199_000;
      assert.equal(await ticket.get(), short);
      now += 2000;
      assert.notEqual(await ticket.get(), short);
      assert.equal(fake.jsapi.fetches, 4);
    } finally {
      await fake.stop();
    }
  });
});
