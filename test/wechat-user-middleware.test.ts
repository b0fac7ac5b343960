import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createUserCookie, USER_TTL_MS } from '../src/http/user-cookie.js';
import { loadConfig, requireWeChatUser, wechatUser, wechatUsers } from '../src/index.js';
import { FakeWeChat, type UserProfile } from './helpers/fake-wechat.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';

const PUBLIC_URL = 'https://wx.example.com';
const profile: UserProfile = {
  openid: 'o_middleware_user',
  nickname: '小红',
  sex: 2,
  province: '浙江',
  city: '杭州',
  country: '中国',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/m.png',
};

describe('the Express helpers: an app of one’s own reads the cookie the server wrote', () => {
  let fake: FakeWeChat;
  let server: RunningApp;
  let shop: Server;
  let shopUrl = '';

  before(async () => {
    fake = await new FakeWeChat().start();
    server = await startApp({ ...fake.env(), PUBLIC_URL });
    // Another app, as another process would build it: only the same configuration.
    const config = loadConfig({ WECHAT_TOKEN: TEST_TOKEN, ...fake.env(), PUBLIC_URL });
    const app = express();
    app.use(wechatUsers(config));
    app.get('/shop', requireWeChatUser(), (req, res) => void res.json(wechatUser(req)));
    app.post('/shop', requireWeChatUser(), (_req, res) => void res.json({ ordered: true }));
    app.get('/member', requireWeChatUser({ scope: 'base' }), (req, res) => void res.json(wechatUser(req)));
    app.get('/mounted', requireWeChatUser({ oauthPath: '/wechat/oauth' }), (_req, res) => void res.end());
    app.get('/optional', (req, res) => void res.json({ user: wechatUser(req) ?? null }));
    shop = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => shop.once('listening', resolve));
    shopUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}`;
  });
  after(async () => {
    shop.closeAllConnections();
    await new Promise((resolve) => shop.close(resolve));
    await server.close();
    await fake.stop();
  });

  /** The user cookie the server writes after a flow started with `query`. */
  async function signIn(query: string): Promise<string> {
    const start = await fetch(`${server.url}/oauth?${query}`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const stateCookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const back = await fetch(`${server.url}/oauth/callback?code=${fake.issueCode(profile)}&state=${state}`, {
      headers: { Cookie: stateCookie },
      redirect: 'manual',
    });
    assert.equal(back.status, 302);
    const cookie = back.headers.getSetCookie().find((line) => line.startsWith('wechat_user='));
    return cookie?.split(';')[0] ?? '';
  }

  const get = (path: string, cookie = '') => fetch(`${shopUrl}${path}`, { headers: { Cookie: cookie }, redirect: 'manual' });

  it('a browser without a user is sent through /oauth?next=<path and query> (302)', async () => {
    const response = await get('/shop?item=1&colour=red');
    assert.equal(response.status, 302);
    const location = response.headers.get('location') ?? '';
    const url = new URL(location, PUBLIC_URL);
    assert.equal(url.pathname, '/oauth');
    assert.equal(url.searchParams.get('next'), '/shop?item=1&colour=red');
    assert.equal(url.searchParams.get('scope'), null);
    // …which the server accepts as it is.
    assert.equal((await fetch(`${server.url}${location}`, { redirect: 'manual' })).status, 302);
  });

  it('with the cookie the server wrote, the page gets the user', async () => {
    const cookie = await signIn(`next=${encodeURIComponent('/shop?item=1')}`);
    const response = await get('/shop?item=1', cookie);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      openid: profile.openid,
      nickname: profile.nickname,
      headimgurl: profile.headimgurl,
      scope: 'snsapi_userinfo',
    });
  });

  it('scope base: sent through /oauth?…&scope=base; a base user is enough there, but not where userinfo is wanted', async () => {
    const out = new URL((await get('/member')).headers.get('location') ?? '', PUBLIC_URL);
    assert.equal(out.searchParams.get('next'), '/member');
    assert.equal(out.searchParams.get('scope'), 'base');
    const cookie = await signIn('next=/member&scope=base');
    const member = await get('/member', cookie);
    assert.equal(member.status, 200);
    assert.deepEqual(await member.json(), { openid: profile.openid, scope: 'snsapi_base' });
    const shopPage = await get('/shop', cookie);
    assert.equal(shopPage.status, 302, 'a base user is asked for the profile');
    assert.equal(new URL(shopPage.headers.get('location') ?? '', PUBLIC_URL).searchParams.get('scope'), null);
  });

  it('another method without a user → 401 JSON, not a redirect', async () => {
    const response = await fetch(`${shopUrl}/shop`, { method: 'POST', redirect: 'manual' });
    assert.equal(response.status, 401);
    assert.equal(typeof ((await response.json()) as { error?: unknown }).error, 'string');
  });

  it('oauthPath: where the server’s /oauth is mounted', async () => {
    const location = (await get('/mounted')).headers.get('location') ?? '';
    assert.equal(location, '/wechat/oauth?next=%2Fmounted');
  });

  it('wechatUser(req): undefined for no cookie, an altered one, or one signed by another key', async () => {
    const cookie = await signIn('next=/optional');
    assert.equal(((await (await get('/optional', cookie)).json()) as { user: { openid: string } }).user.openid, profile.openid);
    for (const bad of ['', 'wechat_user=', `${cookie}x`, cookie.replace(/\.[^.]+$/, '.AAAA'), 'wechat_user=e30.abc']) {
      assert.deepEqual(await (await get('/optional', bad)).json(), { user: null }, bad);
    }
  });
});

describe('the user cookie keeps its format across versions', () => {
  const SECRET = 'an-app-secret-of-32-characters!!';
  const SEALED_AT = 1_700_000_000_000;
  // Sealed by the user cookie of the version before signed-cookie.ts, with SECRET at
  // SEALED_AT: an instance being upgraded, or an app on the older library, wrote it.
  const SEALED =
    'eyJvcGVuaWQiOiJvX2JlZm9yZV8xIiwibmlja25hbWUiOiLlsI_mmI4iLCJoZWFkaW1ndXJsIjoiaHR0cHM6Ly90aGlyZHd4LnFsb2dvLmNuL2EucG5nIiwic2NvcGUiOiJzbnNhcGlfdXNlcmluZm8iLCJleHBpcmVzIjoxNzAwMDA3MjAwMDAwfQ._81VCxjbNfhxou5kdXeXiS2yXb_MKg4yHXRA4jTKhKs';

  it('a cookie the previous version wrote names its user until it expires, and this version writes the same bytes', async () => {
    let now = SEALED_AT + 60_000;
    const app = express();
    app.use(wechatUsers({ appSecret: SECRET }, { now: () => now }));
    app.get('/', (req, res) => void res.json({ user: wechatUser(req) ?? null }));
    const server = app.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    try {
      const user = {
        openid: 'o_before_1',
        nickname: '小明',
        headimgurl: 'https://thirdwx.qlogo.cn/a.png',
        scope: 'snsapi_userinfo',
      } as const;
      const read = async () =>
        ((await (await fetch(url, { headers: { Cookie: `a=b; wechat_user=${SEALED}` } })).json()) as { user: unknown }).user;
      assert.deepEqual(await read(), user);
      assert.equal(createUserCookie(SECRET).seal(user, SEALED_AT), SEALED);
      now = SEALED_AT + USER_TTL_MS;
      assert.equal(await read(), null, 'expired');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
