import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { STATE_COOKIE } from '../src/http/state-cookie.js';
import { USER_COOKIE } from '../src/http/user-cookie.js';
import { createWeChatSide, type WeChatSide } from '../src/testing.js';
import { TICKET_PATH } from './helpers/fake-jsapi-ticket.js';
import { FakeWeChat, type UserProfile } from './helpers/fake-wechat.js';
import { closeAll, startApp, type RunningApp } from './helpers/start-app.js';

// Routes beside the webhook, with ACCOUNTS_FILE: verification files, metrics without the
// account label, a file entry named `default`, OAuth and the JS-SDK per account.

const ADMIN = 'admin-token-of-the-agency-0001';
const PUBLIC_URL = 'https://wx.example.com';
const ACCOUNTS = {
  shop: { appId: 'wx_shop_account_01', secret: 'shop-app-secret-0001', token: 'shoptoken01' },
  news: { appId: 'wx_news_account_02', secret: 'news-app-secret-0002', token: 'newstoken02' },
  default: { appId: 'wx_default_acct_03', secret: 'default-app-secret-03', token: 'defaulttoken03' },
} as const;
type Name = keyof typeof ACCOUNTS;

/** An entry of the accounts file, its secret and token read from the environment; `extra` lines under it. */
function entry(name: Name, ...extra: string[]): string {
  const upper = name.toUpperCase();
  return [
    `  - name: ${name}`,
    `    appid: ${ACCOUNTS[name].appId}`,
    `    secret: \${${upper}_SECRET}`,
    `    token: \${${upper}_TOKEN}`,
    `    replies_file: replies.yaml`,
    ...extra.map((line) => `    ${line}`),
  ].join('\n');
}

const ENV: Record<string, string> = Object.fromEntries(
  Object.entries(ACCOUNTS).flatMap(([name, account]) => [
    [`${name.toUpperCase()}_SECRET`, account.secret],
    [`${name.toUpperCase()}_TOKEN`, account.token],
  ]),
);

/** A directory with the accounts file of `entries` and the replies file they share; removed by `remove`. */
function accountsDirectory(...entries: string[]): { dir: string; file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'accounts-routes-'));
  const file = join(dir, 'accounts.yaml');
  writeFileSync(file, `accounts:\n${entries.join('\n')}\n`);
  writeFileSync(join(dir, 'replies.yaml'), 'keywords:\n  - exact: [你好]\n    reply: 您好\n');
  return { dir, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The app of ACCOUNTS_FILE `file`, against `fake`, with `env` on top. */
function startAccounts(file: string, fake: FakeWeChat, env: Record<string, string> = {}): Promise<RunningApp> {
  for (const account of Object.values(ACCOUNTS)) fake.addAccount(account.appId, account.secret);
  return startApp(
    { WECHAT_TOKEN: '', ACCOUNTS_FILE: file, ADMIN_TOKEN: ADMIN, WECHAT_API_BASE: fake.url, ...env },
    { env: () => ({ ...ENV }) },
  );
}

const side = (name: Name): WeChatSide => createWeChatSide({ token: ACCOUNTS[name].token, account: `gh_${name}` });

/** A text message to `path`, signed as WeChat signs for `name`: the status and the reply's content. */
async function sendText(app: RunningApp, path: string, name: Name): Promise<{ status: number; content: unknown }> {
  const wechat = side(name);
  const signed = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: '你好' }));
  const response = await fetch(`${app.url}${path}?${signed.query}`, { method: 'POST', body: signed.body });
  const body = await response.text();
  return { status: response.status, content: response.status === 200 ? wechat.checkReply(response.status, body).reply?.Content : body };
}

const admin = (app: RunningApp, path: string) => fetch(`${app.url}${path}`, { headers: { Authorization: `Bearer ${ADMIN}` } });

describe('GET /MP_verify_<code>.txt with ACCOUNTS_FILE', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let accounts: ReturnType<typeof accountsDirectory>;
  before(async () => {
    accounts = accountsDirectory(entry('shop'), entry('news'));
    const verify = join(accounts.dir, 'verify');
    mkdirSync(verify);
    writeFileSync(join(verify, 'MP_verify_abc123.txt'), 'abc123');
    writeFileSync(join(verify, 'other.txt'), 'not for WeChat');
    writeFileSync(join(verify, 'MP_verify_abc123.txt.bak'), 'an old copy');
    writeFileSync(join(accounts.dir, 'MP_verify_outside.txt'), 'outside the directory');
    fake = await new FakeWeChat().start();
    app = await startAccounts(accounts.file, fake, { VERIFY_FILES_DIR: verify });
  });
  after(() =>
    closeAll(
      () => app.close(),
      () => fake.stop(),
      () => accounts.remove(),
    ),
  );

  it('serves the file from VERIFY_FILES_DIR as text/plain', async () => {
    const response = await fetch(`${app.url}/MP_verify_abc123.txt`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), 'abc123');
  });

  it('a code with no file → 404', async () => {
    assert.equal((await fetch(`${app.url}/MP_verify_missing.txt`)).status, 404);
  });

  it('any other name, in the directory or out of it → 404', async () => {
    for (const path of [
      '/other.txt',
      '/MP_verify_abc123.txt.bak',
      '/verify/MP_verify_abc123.txt',
      '/MP_verify_..%2FMP_verify_outside.txt',
      '/MP_verify_%2e%2e%2fMP_verify_outside.txt',
      '/..%2FMP_verify_outside.txt',
      '/%2e%2e/MP_verify_outside.txt',
      '/MP_verify_abc123.TXT',
    ]) {
      const response = await fetch(`${app.url}${path}`);
      assert.equal(response.status, 404, path);
      const body = await response.text();
      assert.ok(!body.includes('outside the directory') && !body.includes('an old copy') && !body.includes('not for WeChat'), path);
    }
  });
});

describe('METRICS_ACCOUNT_LABEL=none with two accounts', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let accounts: ReturnType<typeof accountsDirectory>;
  before(async () => {
    accounts = accountsDirectory(entry('shop'), entry('news'));
    fake = await new FakeWeChat().start();
    app = await startAccounts(accounts.file, fake, { METRICS_ACCOUNT_LABEL: 'none' });
  });
  after(() =>
    closeAll(
      () => app.close(),
      () => fake.stop(),
      () => accounts.remove(),
    ),
  );

  it('every account counts in one unlabelled series; ?account= is refused', async () => {
    assert.deepEqual(await sendText(app, '/wechat/shop', 'shop'), { status: 200, content: '您好' });
    assert.deepEqual(await sendText(app, '/wechat/news', 'news'), { status: 200, content: '您好' });
    const response = await admin(app, '/metrics');
    assert.equal(response.status, 200);
    const text = await response.text();
    const replied = text.split('\n').filter((line) => line.startsWith('wechat_messages_total{type="text",outcome="replied"}'));
    assert.deepEqual(replied, ['wechat_messages_total{type="text",outcome="replied"} 2']);
    assert.doesNotMatch(text, /account=/);
    assert.equal((await admin(app, '/metrics?account=shop')).status, 400);
  });
});

describe('a file entry named default, beside another account', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let accounts: ReturnType<typeof accountsDirectory>;
  before(async () => {
    accounts = accountsDirectory(entry('shop'), entry('default'));
    fake = await new FakeWeChat().start();
    app = await startAccounts(accounts.file, fake);
  });
  after(() =>
    closeAll(
      () => app.close(),
      () => fake.stop(),
      () => accounts.remove(),
    ),
  );

  it('plain WECHAT_PATH is the default account: its token opens it, shop’s does not', async () => {
    assert.deepEqual(await sendText(app, '/wechat', 'default'), { status: 200, content: '您好' });
    assert.equal((await sendText(app, '/wechat', 'shop')).status, 403);
    assert.deepEqual(await sendText(app, '/wechat/shop', 'shop'), { status: 200, content: '您好' });
  });

  it('an admin request without a selector acts for default; ?account=shop for shop', async () => {
    const token = async (path: string) => {
      const response = await admin(app, path);
      assert.equal(response.status, 200, path);
      return fake.ownerOf(((await response.json()) as { access_token: string }).access_token);
    };
    assert.equal(await token('/api/access-token'), ACCOUNTS.default.appId);
    assert.equal(await token('/api/access-token?account=shop'), ACCOUNTS.shop.appId);
  });
});

describe('OAuth and the JS-SDK per account', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let accounts: ReturnType<typeof accountsDirectory>;
  const profile: UserProfile = {
    openid: 'o_shop_user_1',
    nickname: '小店顾客',
    sex: 2,
    province: '浙江',
    city: '杭州',
    country: '中国',
    headimgurl: 'https://thirdwx.qlogo.cn/mmopen/shop.png',
  };
  before(async () => {
    accounts = accountsDirectory(entry('shop', 'jssdk_domains: [shop.example.com]'), entry('news', 'jssdk_domains: [news.example.com]'));
    fake = await new FakeWeChat().start();
    app = await startAccounts(accounts.file, fake, { PUBLIC_URL });
  });
  after(() =>
    closeAll(
      () => app.close(),
      () => fake.stop(),
      () => accounts.remove(),
    ),
  );

  const cookieNamed = (response: Response, name: string): string | undefined =>
    response.headers
      .getSetCookie()
      .map((header) => header.split(';')[0] ?? '')
      .find((pair) => pair.startsWith(`${name}=`) && pair !== `${name}=`);

  /** The whole flow for shop: /oauth, then WeChat's callback with a code; the user cookie it sets. */
  async function signInAtShop(): Promise<string> {
    const start = await fetch(`${app.url}/oauth?account=shop`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const location = new URL(start.headers.get('location') ?? '');
    assert.equal(`${location.origin}${location.pathname}`, 'https://open.weixin.qq.com/connect/oauth2/authorize');
    assert.equal(location.searchParams.get('appid'), ACCOUNTS.shop.appId);
    const redirect = new URL(location.searchParams.get('redirect_uri') ?? '');
    assert.equal(`${redirect.origin}${redirect.pathname}`, `${PUBLIC_URL}/oauth/callback`);
    assert.equal(redirect.searchParams.get('account'), 'shop');
    const state = location.searchParams.get('state') ?? '';
    const stateCookie = cookieNamed(start, STATE_COOKIE);
    assert.ok(stateCookie !== undefined, 'the state cookie is set');
    // WeChat sends the browser back to redirect_uri, with the code and the state added.
    const code = fake.issueCode(profile);
    const callback = await fetch(`${app.url}/oauth/callback?account=shop&code=${code}&state=${state}`, {
      headers: { Cookie: stateCookie },
      redirect: 'manual',
    });
    assert.equal(callback.status, 200, await callback.clone().text());
    const [exchange] = fake.callsTo('/sns/oauth2/access_token').slice(-1);
    assert.equal(exchange?.query.appid, ACCOUNTS.shop.appId);
    assert.equal(exchange?.query.code, code);
    const userCookie = cookieNamed(callback, USER_COOKIE);
    assert.ok(userCookie !== undefined, 'the user cookie is set');
    return userCookie;
  }

  it('/oauth?account=shop: shop’s AppID, a callback naming shop; /oauth/me?account=shop names shop; at news → 401', async () => {
    const cookie = await signInAtShop();
    const me = await fetch(`${app.url}/oauth/me?account=shop`, { headers: { Cookie: cookie } });
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), {
      openid: profile.openid,
      nickname: profile.nickname,
      headimgurl: profile.headimgurl,
      account: 'shop',
    });
    const elsewhere = await fetch(`${app.url}/oauth/me?account=news`, { headers: { Cookie: cookie } });
    assert.equal(elsewhere.status, 401);
    assert.ok(!JSON.stringify(await elsewhere.json()).includes(profile.openid));
    assert.equal((await fetch(`${app.url}/oauth/me?account=shop`)).status, 401, 'no cookie');
  });

  it('a state issued for shop does not complete a callback for news', async () => {
    const start = await fetch(`${app.url}/oauth?account=shop`, { redirect: 'manual' });
    const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
    const callback = await fetch(`${app.url}/oauth/callback?account=news&code=${fake.issueCode(profile)}&state=${state}`, {
      headers: { Cookie: cookieNamed(start, STATE_COOKIE) ?? '' },
      redirect: 'manual',
    });
    assert.equal(callback.status, 403);
    assert.equal(cookieNamed(callback, USER_COOKIE), undefined);
  });

  it('/jssdk/config?account=shop signs a page of shop’s domain with shop’s ticket; news refuses it', async () => {
    const page = 'https://shop.example.com/item?id=7';
    const response = await fetch(`${app.url}/jssdk/config?account=shop&url=${encodeURIComponent(page)}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { appId: string; timestamp: number; nonceStr: string; signature: string };
    assert.equal(body.appId, ACCOUNTS.shop.appId);
    const [ticketCall] = fake.callsTo(TICKET_PATH).slice(-1);
    assert.equal(fake.ownerOf(ticketCall?.query.access_token), ACCOUNTS.shop.appId, "the ticket is shop's");
    const expected = createHash('sha1')
      .update(`jsapi_ticket=${fake.jsapi.latest()}&noncestr=${body.nonceStr}&timestamp=${body.timestamp}&url=${page}`)
      .digest('hex');
    assert.equal(body.signature, expected);

    const tickets = fake.callsTo(TICKET_PATH).length;
    const refused = await fetch(`${app.url}/jssdk/config?account=news&url=${encodeURIComponent(page)}`);
    assert.equal(refused.status, 400);
    assert.match(((await refused.json()) as { error: string }).error, /shop\.example\.com/);
    assert.equal(fake.callsTo(TICKET_PATH).length, tickets, 'news asked WeChat for nothing');
    const own = await fetch(`${app.url}/jssdk/config?account=news&url=${encodeURIComponent('https://news.example.com/a')}`);
    assert.equal(own.status, 200);
    assert.equal(((await own.json()) as { appId: string }).appId, ACCOUNTS.news.appId);
  });
});

describe('require_aes in an accounts-file entry', () => {
  const SHOP_AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const NEWS_AES_KEY = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
  let fake: FakeWeChat;
  let app: RunningApp;
  let accounts: ReturnType<typeof accountsDirectory>;
  before(async () => {
    // shop requires safe mode; news has a key too, but not require_aes (WECHAT_REQUIRE_AES is unset).
    accounts = accountsDirectory(
      entry('shop', `encoding_aes_key: ${SHOP_AES_KEY}`, 'require_aes: true'),
      entry('news', `encoding_aes_key: ${NEWS_AES_KEY}`),
    );
    fake = await new FakeWeChat().start();
    app = await startAccounts(accounts.file, fake);
  });
  after(() =>
    closeAll(
      () => app.close(),
      () => fake.stop(),
      () => accounts.remove(),
    ),
  );

  /** The same text as WeChat sends it in safe mode for `name`: the status and the reply's content (the reply checked as WeChat checks it). */
  async function sendEncrypted(name: Name, key: string): Promise<{ status: number; content: unknown }> {
    const wechat = createWeChatSide({
      token: ACCOUNTS[name].token,
      encodingAesKey: key,
      appId: ACCOUNTS[name].appId,
      account: `gh_${name}`,
    });
    const signed = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: '你好' }));
    assert.match(signed.query, /encrypt_type=aes/);
    const response = await fetch(`${app.url}/wechat/${name}?${signed.query}`, { method: 'POST', body: signed.body });
    const body = await response.text();
    return { status: response.status, content: response.status === 200 ? wechat.checkReply(response.status, body).reply?.Content : body };
  }

  it('a plaintext message to that account is refused with 403, as WECHAT_REQUIRE_AES=true would; in safe mode it is answered', async () => {
    const refused = await sendText(app, '/wechat/shop', 'shop');
    assert.equal(refused.status, 403);
    // Refused for being plaintext (its signature is shop's own), not for anything else.
    assert.ok(
      app.logs.some((line) => line.reason === 'plaintext-refused' && line.status === 403),
      app.logText(),
    );
    assert.deepEqual(await sendEncrypted('shop', SHOP_AES_KEY), { status: 200, content: '您好' });
  });

  it('another account of the file, without require_aes, still answers plaintext (and safe mode)', async () => {
    assert.deepEqual(await sendText(app, '/wechat/news', 'news'), { status: 200, content: '您好' });
    assert.deepEqual(await sendEncrypted('news', NEWS_AES_KEY), { status: 200, content: '您好' });
  });
});
