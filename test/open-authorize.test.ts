import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, type RunningApp } from './helpers/start-app.js';

const ADMIN_TOKEN = 'open-authorize-admin-token-91c3';
const bearer = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const PUBLIC_URL = 'https://platform.example.com';
const LOGIN_PAGE = 'https://mp.weixin.qq.com/cgi-bin/componentloginpage';

const stateFile = (): string => join(mkdtempSync(join(tmpdir(), 'open-authorize-')), 'open-state.json');

/** The href of the page's link to WeChat, unescaped. */
function linkOf(html: string): URL {
  const href = /<a class="authorize" href="([^"]*)"/.exec(html)?.[1];
  assert.ok(href !== undefined, 'the page has the link');
  return new URL(href.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))));
}

/** The accounts OPEN_STATE_FILE keeps as authorised. */
function authorisedIn(file: string, componentAppId: string): string[] {
  const state = JSON.parse(readFileSync(file, 'utf8')) as { components: Record<string, { authorizers?: Record<string, unknown> }> };
  return Object.keys(state.components[componentAppId]?.authorizers ?? {});
}

interface JsonError {
  error: string;
  field?: string;
  errcode?: number;
}

describe('GET /open/authorize and its callback, over HTTP against the fake WeChat', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let file: string;
  const component = () => fake.component;
  const page = (headers: Record<string, string> = bearer) => fetch(`${app.url}/open/authorize`, { headers });
  const callback = (query: string, headers: Record<string, string> = bearer) =>
    fetch(`${app.url}/open/authorize/callback${query === '' ? '' : `?${query}`}`, { headers });

  before(async () => {
    fake = await new FakeWeChat().start();
    file = stateFile();
    app = await startApp({
      ...fake.env(),
      ...fake.component.env(),
      WECHAT_TOKEN: '',
      OPEN_STATE_FILE: file,
      ADMIN_TOKEN,
      PUBLIC_URL,
    });
  });
  after(async () => {
    await app?.close();
    await fake?.stop();
  });

  it('without a ticket: the page and the callback are a 503 in JSON at once, and WeChat is asked nothing', async () => {
    for (const request of [() => page(), () => callback(`auth_code=${component().newCode('wx_too_early')}&expires_in=3600`)]) {
      const started = Date.now();
      const response = await request();
      assert.ok(Date.now() - started < 1000, 'answered within a second');
      assert.equal(response.status, 503);
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(response.headers.get('retry-after'), '60');
      const body = (await response.json()) as JsonError;
      assert.match(body.error, /^waiting for WeChat's component_verify_ticket push…/);
      assert.equal(body.errcode, undefined);
    }
    assert.equal(fake.count('/cgi-bin/component/api_component_token'), 0);
    assert.equal(fake.count('/cgi-bin/component/api_create_preauthcode'), 0);
    assert.equal(fake.count('/cgi-bin/component/api_query_auth'), 0);
  });

  it('refuses a caller without ADMIN_TOKEN (401), and asks WeChat nothing for it', async () => {
    await component().pushTicket(app.url);
    const code = component().newCode('wx_not_admin');
    const wrongBasic = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}x`).toString('base64')}`;
    const wrong: Record<string, string>[] = [{}, { Authorization: 'Bearer wrong-token' }, { Authorization: wrongBasic }];
    for (const headers of wrong) {
      const refused = await page(headers);
      assert.equal(refused.status, 401, JSON.stringify(headers));
      assert.match(refused.headers.get('www-authenticate') ?? '', /^Basic/);
      assert.equal((await callback(`auth_code=${code}`, headers)).status, 401);
    }
    assert.equal(fake.count('/cgi-bin/component/api_create_preauthcode'), 0);
    assert.equal(fake.count('/cgi-bin/component/api_query_auth'), 0);
    // Basic with ADMIN_TOKEN as the password, as a browser sends it, is let in.
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;
    assert.equal((await page({ Authorization: basic })).status, 200);
  });

  it("answers a page with a link to WeChat's authorisation page, with a fresh pre_auth_code each time", async () => {
    const first = await page();
    assert.equal(first.status, 200);
    assert.match(first.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(first.headers.get('cache-control'), 'no-store');
    const html = await first.text();
    const link = linkOf(html);
    assert.equal(`${link.origin}${link.pathname}`, LOGIN_PAGE);
    assert.deepEqual([...link.searchParams.keys()], ['component_appid', 'pre_auth_code', 'redirect_uri', 'auth_type']);
    assert.equal(link.searchParams.get('component_appid'), component().appId);
    assert.equal(link.searchParams.get('pre_auth_code'), component().preAuthCodes.at(-1));
    assert.equal(link.searchParams.get('redirect_uri'), `${PUBLIC_URL}/open/authorize/callback`);
    assert.equal(link.searchParams.get('auth_type'), '1');
    // The values are URL-encoded: the code's @ and the redirect's :// are not left bare.
    assert.match(html, /pre_auth_code=preauthcode%40%40%40/);
    assert.match(html, /redirect_uri=https%3A%2F%2Fplatform\.example\.com%2Fopen%2Fauthorize%2Fcallback/);
    const create = fake.callsTo('/cgi-bin/component/api_create_preauthcode').at(-1);
    assert.deepEqual(create?.body, { component_appid: component().appId });

    const second = linkOf(await (await page()).text());
    assert.equal(component().preAuthCodes.length, 3, 'one code per page (the admin check above made one)');
    assert.equal(second.searchParams.get('pre_auth_code'), component().preAuthCodes.at(-1));
    assert.notEqual(second.searchParams.get('pre_auth_code'), link.searchParams.get('pre_auth_code'));
  });

  it('sends the Referer WeChat checks: Referrer-Policy strict-origin-when-cross-origin, on the page and on its link', async () => {
    const response = await page();
    assert.equal(response.headers.get('referrer-policy'), 'strict-origin-when-cross-origin');
    const html = await response.text();
    assert.match(html, /<a class="authorize" href="[^"]*" referrerpolicy="strict-origin-when-cross-origin">/);
    assert.doesNotMatch(html, /noreferrer|http-equiv/i);
    // A link the admin clicks, not a redirect (the Referer must be this page), and still the pages' CSP.
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
  });

  it('the callback keeps the account and names it with its AppID and nickname', async () => {
    component().nicknames.set('wx_authorised_1', '咖啡馆 Café');
    const code = component().newCode('wx_authorised_1');
    const response = await callback(`auth_code=${encodeURIComponent(code)}&expires_in=3600`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    const html = await response.text();
    assert.match(html, /<dd class="appid">wx_authorised_1<\/dd>/);
    assert.match(html, /<dd class="nickname">咖啡馆 Café<\/dd>/);
    const query = fake.callsTo('/cgi-bin/component/api_query_auth').at(-1);
    assert.deepEqual(query?.body, { component_appid: component().appId, authorization_code: code });
    const info = fake.callsTo('/cgi-bin/component/api_get_authorizer_info').at(-1);
    assert.deepEqual(info?.body, { component_appid: component().appId, authorizer_appid: 'wx_authorised_1' });
    assert.deepEqual(authorisedIn(file, component().appId), ['wx_authorised_1']);
  });

  it('escapes the nickname', async () => {
    const nickname = '<script>alert("x")</script> & \'co\'';
    component().nicknames.set('wx_authorised_2', nickname);
    const html = await (await callback(`auth_code=${encodeURIComponent(component().newCode('wx_authorised_2'))}`)).text();
    assert.ok(!html.includes('<script>'), 'no script element');
    assert.ok(!html.includes(nickname));
    assert.match(html, /<dd class="nickname">&#60;script&#62;alert\(&#34;x&#34;\)&#60;\/script&#62; &#38; &#39;co&#39;<\/dd>/);
    assert.match(html, /<title>[^<]*&#60;script&#62;/);
  });

  it('a code WeChat refuses (61010) is a 400 in JSON with the errcode, and no account is kept', async () => {
    const before = authorisedIn(file, component().appId);
    const response = await callback('auth_code=queryauthcode%40%40%40made-up&expires_in=3600');
    assert.equal(response.status, 400);
    const body = (await response.json()) as JsonError;
    assert.equal(body.field, 'auth_code');
    assert.equal(body.errcode, 61010);
    assert.match(body.error, /^auth_code: .*\(errcode 61010\)$/);
    assert.deepEqual(authorisedIn(file, component().appId), before);
    // A code used once is refused the second time the same way.
    const code = component().newCode('wx_authorised_3');
    assert.equal((await callback(`auth_code=${encodeURIComponent(code)}`)).status, 200);
    assert.equal((await callback(`auth_code=${encodeURIComponent(code)}`)).status, 400);
  });

  it('a missing, empty, repeated or over-long auth_code is a 400 naming it, before WeChat is asked', async () => {
    const asked = fake.count('/cgi-bin/component/api_query_auth');
    for (const query of ['', 'expires_in=3600', 'auth_code=', 'auth_code=a&auth_code=b', `auth_code=${'x'.repeat(513)}`]) {
      const response = await callback(query);
      assert.equal(response.status, 400, query);
      assert.equal(((await response.json()) as JsonError).field, 'auth_code', query);
    }
    assert.equal(fake.count('/cgi-bin/component/api_query_auth'), asked);
  });

  it('when the nickname cannot be read, the authorisation still stands: 200 naming the AppID', async () => {
    fake.on('/cgi-bin/component/api_get_authorizer_info', { errcode: -1, errmsg: 'system error' });
    const response = await callback(`auth_code=${encodeURIComponent(component().newCode('wx_authorised_4'))}`);
    assert.equal(response.status, 200);
    const html = await response.text();
    assert.match(html, /<dd class="appid">wx_authorised_4<\/dd>/);
    assert.match(html, /<dd class="nickname">未知 unknown<\/dd>/);
    assert.ok(authorisedIn(file, component().appId).includes('wx_authorised_4'));
    const warning = app.logs.find((line) => line.errcode === -1 && line.authorizer === 'wx_authorised_4');
    assert.ok(warning, 'the failure is logged');
  });

  it("a ticket WeChat refuses (61006) makes the page a 503 with WeChat's errcode", async () => {
    component().tickets.clear();
    component().revokeComponentTokens();
    const response = await page();
    assert.equal(response.status, 503);
    const body = (await response.json()) as JsonError;
    assert.match(body.error, /^waiting for WeChat's component_verify_ticket push…/);
    assert.equal(body.errcode, 61006);
  });

  it('logs none of the secrets, tokens, refresh tokens or ADMIN_TOKEN', () => {
    const logs = app.logText();
    for (const secret of [...component().secrets(), ADMIN_TOKEN])
      assert.ok(!logs.includes(secret), `the logs hold ${secret.slice(0, 12)}…`);
  });
});

describe('/open/authorize without PUBLIC_URL or ADMIN_TOKEN', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let file: string;
  before(async () => {
    fake = await new FakeWeChat().start();
    file = stateFile();
    app = await startApp({ ...fake.env(), ...fake.component.env(), WECHAT_TOKEN: '', OPEN_STATE_FILE: file });
    await fake.component.pushTicket(app.url);
  });
  after(async () => {
    await app?.close();
    await fake?.stop();
  });

  it('the page is a 503 in JSON naming PUBLIC_URL, as /oauth is, and no pre_auth_code is asked for', async () => {
    const response = await fetch(`${app.url}/open/authorize`);
    assert.equal(response.status, 503);
    assert.match(((await response.json()) as JsonError).error, /PUBLIC_URL/);
    assert.equal(fake.count('/cgi-bin/component/api_create_preauthcode'), 0);
  });

  it('the callback needs no PUBLIC_URL: it keeps the account', async () => {
    const response = await fetch(`${app.url}/open/authorize/callback?auth_code=${encodeURIComponent(fake.component.newCode('wx_local'))}`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /wx_local/);
    assert.deepEqual(authorisedIn(file, fake.component.appId), ['wx_local']);
  });

  it('a request a proxy forwarded is refused (403), as on every admin route', async () => {
    const code = fake.component.newCode('wx_proxied');
    const proxied: Record<string, string>[] = [
      { 'X-Forwarded-For': '203.0.113.9' },
      { Forwarded: 'for=203.0.113.9' },
      { 'X-Real-IP': '203.0.113.9' },
    ];
    for (const headers of proxied) {
      for (const path of ['/open/authorize', `/open/authorize/callback?auth_code=${encodeURIComponent(code)}`]) {
        const response = await fetch(`${app.url}${path}`, { headers });
        assert.equal(response.status, 403, `${path} ${JSON.stringify(headers)}`);
        assert.match(await response.text(), /ADMIN_TOKEN is not set/);
      }
    }
    assert.ok(!authorisedIn(file, fake.component.appId).includes('wx_proxied'));
  });
});

describe('/open/authorize without the open platform', () => {
  it('both routes are a 404', async () => {
    const fake = await new FakeWeChat().start();
    const app = await startApp({ ...fake.env(), ADMIN_TOKEN, PUBLIC_URL });
    try {
      for (const path of ['/open/authorize', '/open/authorize/callback?auth_code=x']) {
        assert.equal((await fetch(`${app.url}${path}`, { headers: bearer })).status, 404, path);
      }
      assert.equal(fake.calls.length, 0);
    } finally {
      await app.close();
      await fake.stop();
    }
  });
});
