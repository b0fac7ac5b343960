import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Request } from 'express';
import { createUserCookie } from '../src/http/user-cookie.js';
import { loadConfig, wechatUser } from '../src/index.js';
import { FakeWeChat, type UserProfile } from './helpers/fake-wechat.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';

const PUBLIC_URL = 'https://wx.example.com';
const profile: UserProfile = {
  openid: 'o_pages_user_1',
  nickname: '<b>小明</b> & "co"',
  sex: 1,
  province: '广东',
  city: '广州',
  country: '中国',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/pages.png',
};

/** The value of one cookie a response sets, and its attributes. */
function setCookie(response: Response, name: string): { value: string; attributes: string; pair: string } | undefined {
  const line = response.headers.getSetCookie().find((cookie) => cookie.startsWith(`${name}=`));
  if (line === undefined) return undefined;
  const pair = line.split(';')[0] ?? '';
  return { value: pair.slice(name.length + 1), attributes: line.slice(pair.length), pair };
}

describe('OAuth for the account’s own pages', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  before(async () => {
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), PUBLIC_URL });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });

  /** GET /oauth?…: the authorize URL, the state and the state cookie. */
  async function begin(query: string, on = app): Promise<{ authorize: URL; state: string; cookie: string }> {
    const response = await fetch(`${on.url}/oauth?${query}`, { redirect: 'manual' });
    assert.equal(response.status, 302, `GET /oauth?${query}`);
    const authorize = new URL(response.headers.get('location') ?? '');
    return { authorize, state: authorize.searchParams.get('state') ?? '', cookie: setCookie(response, 'wechat_oauth_state')?.pair ?? '' };
  }

  /** WeChat sends the browser back with a code for `who`. */
  function callback({ state, cookie }: { state: string; cookie: string }, who = profile, on = app): Promise<Response> {
    return fetch(`${on.url}/oauth/callback?code=${fake.issueCode(who)}&state=${state}`, {
      headers: { Cookie: cookie },
      redirect: 'manual',
    });
  }

  /** The whole flow for `query`: the callback's response. */
  async function signIn(query: string, on = app): Promise<Response> {
    return callback(await begin(query, on), profile, on);
  }

  const me = (cookie: string, on = app) => fetch(`${on.url}/oauth/me`, { headers: { Cookie: cookie } });

  const GOOD_NEXT = [
    '/',
    '/shop',
    '/shop?item=1&colour=red',
    '/orders/42#details',
    '/%2F%2Fevil.com', // an encoded slash is part of the path, not a second one
    '/.//evil.com', // resolves to the path //evil.com on this origin (and is sent as given)
    '/商品?名=茶',
    '/a%0d%0aSet-Cookie:%20x=1', // encoded: text in the path, never a header
  ];

  for (const next of GOOD_NEXT) {
    it(`next=${JSON.stringify(next)} is a path on this origin: the callback hands the user to it`, async () => {
      const started = await begin(`next=${encodeURIComponent(next)}`);
      // next travels in the state cookie, never in the redirect_uri.
      assert.equal(started.authorize.searchParams.get('redirect_uri'), `${PUBLIC_URL}/oauth/callback`);
      assert.deepEqual([...started.authorize.searchParams.keys()], ['appid', 'redirect_uri', 'response_type', 'scope', 'state']);
      const response = await callback(started);
      assert.equal(response.status, 302);
      const location = response.headers.get('location') ?? '';
      const landed = new URL(location, PUBLIC_URL);
      const expected = new URL(next, PUBLIC_URL);
      assert.equal(landed.origin, PUBLIC_URL);
      assert.equal(landed.pathname + landed.search + landed.hash, expected.pathname + expected.search + expected.hash);
      assert.match(location, /^\/(?![/\\])/, 'a Location that stays a path');
    });
  }

  const BAD_NEXT: [string, string][] = [
    ['empty', ''],
    ['relative', 'shop'],
    ['protocol-relative', '//evil.com'],
    ['a backslash after the slash', '/\\evil.com'],
    ['two backslashes', '\\\\evil.com'],
    ['a backslash further on', '/shop\\..\\x'],
    ['an absolute URL', 'https://evil.com/shop'],
    ['a scheme without slashes', 'https:evil.com'],
    ['javascript:', 'javascript:alert(1)'],
    ['a tab that browsers drop', '/\t/evil.com'],
    ['a newline that browsers drop', '/\n/evil.com'],
    ['CR LF (a header injection)', '/shop\r\nSet-Cookie: x=1'],
    ['a NUL', '/shop\u0000'],
    ['a DEL', '/shop\u007f'],
    ['a leading space', ' /shop'],
    ['too long', `/${'a'.repeat(1024)}`],
  ];

  for (const [what, next] of BAD_NEXT) {
    it(`next with ${what} → 400 page, no state issued`, async () => {
      const response = await fetch(`${app.url}/oauth?next=${encodeURIComponent(next)}`, { redirect: 'manual' });
      assert.equal(response.status, 400);
      assert.match(response.headers.get('content-type') ?? '', /text\/html/);
      assert.match(await response.text(), /next/);
      assert.equal(setCookie(response, 'wechat_oauth_state'), undefined);
    });
  }

  it('next given twice → 400', async () => {
    const response = await fetch(`${app.url}/oauth?next=/a&next=/b`, { redirect: 'manual' });
    assert.equal(response.status, 400);
  });

  it('an unknown scope → 400; scope=base without next → 400', async () => {
    assert.equal((await fetch(`${app.url}/oauth?next=/shop&scope=admin`, { redirect: 'manual' })).status, 400);
    assert.equal((await fetch(`${app.url}/oauth?scope=base`, { redirect: 'manual' })).status, 400);
  });

  it('without next: the profile page as before, and the user cookie too', async () => {
    const response = await signIn('');
    assert.equal(response.status, 200);
    assert.match(await response.text(), /class="nickname"/);
    const user = setCookie(response, 'wechat_user');
    assert.ok(user);
    assert.equal((await me(user.pair)).status, 200);
  });

  it('the user cookie: signed, HttpOnly, SameSite=Lax, Secure (PUBLIC_URL is https), for the whole site, for 2 hours', async () => {
    const response = await signIn('next=/shop');
    const user = setCookie(response, 'wechat_user');
    assert.ok(user, 'a user cookie');
    assert.match(user.attributes, /; HttpOnly/i);
    assert.match(user.attributes, /; SameSite=Lax/i);
    assert.match(user.attributes, /; Secure/i);
    assert.match(user.attributes, /; Path=\/(;|$)/);
    assert.match(user.attributes, /; Max-Age=7200(;|$)/);
    const expires = Date.parse(/Expires=([^;]+)/.exec(user.attributes)?.[1] ?? '');
    assert.ok(Math.abs(expires - (Date.now() + 7200_000)) < 60_000, 'Expires two hours ahead');
    assert.doesNotMatch(user.value, /o_pages_user_1|%E5%B0%8F/, 'the value is encoded, not plain');
  });

  it('with an http PUBLIC_URL the cookie is not Secure (the browser would drop it)', async () => {
    const plain = await startApp({ ...fake.env(), PUBLIC_URL: 'http://wx.example.com' });
    try {
      const user = setCookie(await signIn('next=/shop', plain), 'wechat_user');
      assert.ok(user);
      assert.doesNotMatch(user.attributes, /Secure/i);
      assert.match(user.attributes, /HttpOnly/i);
    } finally {
      await plain.close();
    }
  });

  it('GET /oauth/me answers the user the cookie names: openid, nickname and avatar URL', async () => {
    const user = setCookie(await signIn('next=/shop'), 'wechat_user');
    const response = await me(user?.pair ?? '');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.deepEqual(await response.json(), { openid: profile.openid, nickname: profile.nickname, headimgurl: profile.headimgurl });
  });

  it('scope=base: WeChat’s snsapi_base, no /sns/userinfo call, the openid only', async () => {
    const started = await begin(`next=${encodeURIComponent('/member?card=1')}&scope=base`);
    assert.equal(started.authorize.searchParams.get('scope'), 'snsapi_base');
    const exchanges = fake.count('/sns/oauth2/access_token');
    const userinfos = fake.count('/sns/userinfo');
    const response = await callback(started);
    assert.equal(response.status, 302);
    assert.equal(response.headers.get('location'), '/member?card=1');
    assert.equal(fake.count('/sns/oauth2/access_token'), exchanges + 1);
    assert.equal(fake.count('/sns/userinfo'), userinfos, 'userinfo was called');
    const user = setCookie(response, 'wechat_user');
    assert.deepEqual(await (await me(user?.pair ?? '')).json(), { openid: profile.openid });
  });

  it('the default scope is snsapi_userinfo', async () => {
    assert.equal((await begin('next=/shop')).authorize.searchParams.get('scope'), 'snsapi_userinfo');
    assert.equal((await begin('next=/shop&scope=userinfo')).authorize.searchParams.get('scope'), 'snsapi_userinfo');
  });

  it('/oauth/me without a cookie → 401 JSON', async () => {
    const response = await fetch(`${app.url}/oauth/me`);
    assert.equal(response.status, 401);
    const body = (await response.json()) as { error?: unknown };
    assert.equal(typeof body.error, 'string');
  });

  it('/oauth/me with an altered cookie → 401', async () => {
    const user = setCookie(await signIn('next=/shop'), 'wechat_user');
    assert.ok(user);
    const [payload = '', mac = ''] = decodeURIComponent(user.value).split('.');
    // Another openid, with the signature kept.
    const fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    const forged = Buffer.from(JSON.stringify({ ...fields, openid: 'o_someone_else' })).toString('base64url');
    assert.equal((await me(`wechat_user=${forged}.${mac}`)).status, 401);
    // One character of the signature changed.
    const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
    assert.equal((await me(`wechat_user=${payload}.${flipped}`)).status, 401);
    // Malformed values.
    for (const value of ['', '.', 'abc', '%zz', `${payload}.`, `.${mac}`]) {
      assert.equal((await me(`wechat_user=${value}`)).status, 401, value);
    }
    // The original still works.
    assert.equal((await me(user.pair)).status, 200);
  });

  it('/oauth/me with a cookie signed by another key → 401', async () => {
    const foreign = createUserCookie('another-appsecret').seal({ openid: profile.openid, scope: 'snsapi_base' }, Date.now());
    assert.equal((await me(`wechat_user=${foreign}`)).status, 401);
    const ours = createUserCookie(fake.appSecret).seal({ openid: profile.openid, scope: 'snsapi_base' }, Date.now());
    assert.equal((await me(`wechat_user=${ours}`)).status, 200, 'the same key as the server’s: accepted');
  });

  it('the user cookie names the user for 2 hours: after that /oauth/me → 401', async () => {
    let clock = Date.parse('2024-05-01T00:00:00Z');
    const timed = await startApp({ ...fake.env(), PUBLIC_URL }, { now: () => clock });
    try {
      const user = setCookie(await signIn('next=/shop', timed), 'wechat_user');
      assert.ok(user);
      clock += 2 * 60 * 60 * 1000 - 1000;
      assert.equal((await me(user.pair, timed)).status, 200);
      clock += 2000;
      assert.equal((await me(user.pair, timed)).status, 401);
    } finally {
      await timed.close();
    }
  });

  it('a second callback with the same state → 403, and no second cookie', async () => {
    const started = await begin('next=/shop');
    assert.equal((await callback(started)).status, 302);
    const again = await callback(started);
    assert.equal(again.status, 403);
    assert.equal(setCookie(again, 'wechat_user'), undefined);
  });

  it('a state older than 10 minutes → 403', async () => {
    let clock = Date.now();
    const timed = await startApp({ ...fake.env(), PUBLIC_URL }, { now: () => clock });
    try {
      const started = await begin('next=/shop', timed);
      clock += 10 * 60 * 1000 + 1000;
      assert.equal((await callback(started, profile, timed)).status, 403);
    } finally {
      await timed.close();
    }
  });

  it('a state cookie of one flow does not carry another flow’s next', async () => {
    const first = await begin('next=/first');
    const second = await begin('next=/second');
    const response = await callback({ state: first.state, cookie: second.cookie });
    assert.equal(response.status, 403);
  });

  it('wechatUser(req) without wechatUsers(config) mounted is a TypeError that says what to do', () => {
    assert.throws(() => wechatUser({} as Request), { name: 'TypeError', message: /wechatUsers\(config\)/ });
  });

  it('wechatUsers(config) without WECHAT_APPSECRET fails at once, naming it', async () => {
    const { wechatUsers } = await import('../src/index.js');
    assert.throws(() => wechatUsers(loadConfig({ WECHAT_TOKEN: TEST_TOKEN })), { name: 'ConfigError', message: /WECHAT_APPSECRET/ });
  });
});
