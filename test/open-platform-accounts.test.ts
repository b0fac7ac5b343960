import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWeChatSide, type WeChatSide } from '../src/testing.js';
import { RELEASE_CHECK_ACCOUNTS } from '../src/open-platform/release-check.js';
import { loadAccountsFile } from '../src/accounts/accounts-file.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { until } from './helpers/until.js';
import { consoleSignIn } from './helpers/console-session.js';

const ADMIN = 'open-platform-admin-token-0123456789';
const SHOP = 'wx_authorised_shop_01';
const NEWS = 'wx_authorised_news_02';

/**
 * The platform's accounts end to end, over HTTP against the fake WeChat: an account
 * authorises the platform, its messages at /open/messages/<appid> are answered by the
 * replies file ACCOUNTS_FILE lists for its AppID, /api acts for it with its authorizer
 * token, and WeChat's release check passes with no code.
 */
describe('the accounts that authorised the platform', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let dir: string;
  /** The first app's logs, once it was restarted. */
  let restartedLogs = '';
  const component = () => fake.component;
  const sideOf = (appId: string, account?: string): WeChatSide => component().sideOf(appId, account);
  const admin = { Authorization: `Bearer ${ADMIN}` };

  /** Posts `xml` to the account's /open/messages/<appid> as WeChat does. */
  const post = (appId: string, side: WeChatSide, xml: string, user?: string): Promise<{ status: number; text: string }> =>
    component().postMessage(app.url, appId, side.signRequest(xml, user === undefined ? {} : { user }));
  /** A text from `user` to the account, and the reply's content (undefined for none). */
  const say = (appId: string, content: string, user = 'o_follower_1'): Promise<string | undefined> =>
    component().say(app.url, appId, content, user);
  /** The platform alone (no WECHAT_TOKEN), its state in a file, the accounts file listing the shop. */
  const startPlatform = (): Promise<RunningApp> =>
    startApp({
      WECHAT_API_BASE: fake.url,
      ...component().env(),
      WECHAT_TOKEN: '',
      ACCOUNTS_FILE: join(dir, 'accounts.yaml'),
      OPEN_STATE_FILE: join(dir, 'open-state.json'),
      ADMIN_TOKEN: ADMIN,
      PUBLIC_URL: 'https://platform.example.com',
    });
  /** A console session of the admin: its cookie. */
  const consoleSession = async (): Promise<string> => (await consoleSignIn(app.url, ADMIN)).cookie;
  const authorise = (appId: string): Promise<void> => component().authorise(app.url, appId);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'open-accounts-'));
    mkdirSync(join(dir, 'replies'));
    writeFileSync(join(dir, 'replies', 'shop.yaml'), 'keywords:\n  - exact: [店名]\n    reply: 这里是授权的商店\n');
    // The shop is listed by its AppID (no token: the platform's), the news account is not.
    writeFileSync(join(dir, 'accounts.yaml'), `accounts:\n  - appid: ${SHOP}\n    replies_file: replies/shop.yaml\n`);
    fake = await new FakeWeChat().start();
    app = await startPlatform();
    await component().pushTicket(app.url);
  });
  after(async () => {
    await app?.close();
    await fake?.stop();
  });

  it('an AppID that has not authorised the platform is a 404, signed or not', async () => {
    const side = sideOf(SHOP);
    assert.equal((await post(SHOP, side, side.messageXml({ MsgType: 'text', Content: '店名' }))).status, 404);
    assert.equal((await fetch(`${app.url}/open/messages/${SHOP}`, { method: 'POST', body: '<xml/>' })).status, 404);
    assert.equal((await fetch(`${app.url}/api/access-token?account=${SHOP}`, { headers: admin })).status, 404);
  });

  it('once authorised, its messages are answered by the replies file its ACCOUNTS_FILE entry names, sealed for the platform', async () => {
    await authorise(SHOP);
    assert.equal(await say(SHOP, '店名'), '这里是授权的商店');
    // An account without an entry gets the default rules.
    await authorise(NEWS);
    assert.notEqual(await say(NEWS, '店名'), '这里是授权的商店');
  });

  it('an edit of ACCOUNTS_FILE gives an authorised account its new replies file', async () => {
    writeFileSync(join(dir, 'replies', 'shop2.yaml'), 'keywords:\n  - exact: [店名]\n    reply: 商店换了新的回复\n');
    writeFileSync(join(dir, 'accounts.yaml.tmp'), `accounts:\n  - appid: ${SHOP}\n    replies_file: replies/shop2.yaml\n`);
    renameSync(join(dir, 'accounts.yaml.tmp'), join(dir, 'accounts.yaml'));
    await until(async () => (await say(SHOP, '店名')) === '商店换了新的回复', 'the new replies file', 5000);
  });

  it('refuses what the webhook refuses: a missing msg_signature 400, a message sealed for another AppID 403', async () => {
    const side = sideOf(SHOP);
    const signed = side.signRequest(side.messageXml({ MsgType: 'text', Content: 'x' }));
    const query = new URLSearchParams(signed.query);
    query.delete('msg_signature');
    const missing = await fetch(`${app.url}/open/messages/${SHOP}?${query.toString()}`, { method: 'POST', body: signed.body });
    assert.equal(missing.status, 400);
    const stranger = createWeChatSide({ token: component().token, encodingAesKey: component().aesKey, appId: 'wx_someone_else' });
    const foreign = await post(SHOP, stranger, stranger.messageXml({ MsgType: 'text', Content: 'x' }));
    assert.equal(foreign.status, 403);
  });

  it('/api acts for it with its authorizer token, and /metrics names it by its AppID', async () => {
    const response = await fetch(`${app.url}/api/messages/custom?account=${SHOP}`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ touser: 'o_follower_1', reply: { type: 'text', content: 'hello' } }),
    });
    assert.equal(response.status, 200, await response.text());
    const sent = fake.callsTo('/cgi-bin/message/custom/send').at(-1);
    assert.equal(fake.ownerOf(sent?.query.access_token), SHOP);
    const metrics = await (await fetch(`${app.url}/metrics`, { headers: admin })).text();
    assert.match(metrics, new RegExp(`wechat_messages_total\\{[^}]*account="${SHOP}"`));
  });

  it('/oauth for it goes through the platform: component_appid on the authorize URL, the code exchanged with the component token', async () => {
    const start = await fetch(`${app.url}/oauth?account=${SHOP}`, { redirect: 'manual' });
    assert.equal(start.status, 302);
    const location = new URL(start.headers.get('location') ?? '');
    assert.equal(location.searchParams.get('appid'), SHOP);
    assert.equal(location.searchParams.get('component_appid'), component().appId);
    const state = location.searchParams.get('state') ?? '';
    const cookie = (start.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const profile = { openid: 'o_shop_oauth', nickname: 'n', sex: 0, province: '', city: '', country: '', headimgurl: '' };
    const code = fake.issueCode(profile);
    const callback = await fetch(`${app.url}/oauth/callback?account=${SHOP}&code=${code}&state=${state}`, {
      headers: { Cookie: cookie },
      redirect: 'manual',
    });
    assert.ok(callback.status < 400, `callback answered ${callback.status}`);
    const [exchange] = fake.callsTo('/sns/oauth2/component/access_token');
    assert.equal(exchange?.query.appid, SHOP);
    assert.equal(exchange?.query.component_appid, component().appId);
    assert.equal(fake.count('/sns/oauth2/access_token'), 0, 'never the AppSecret flow');
  });

  it('a refused refresh token (61023) marks the account: its calls are a 409 saying it must authorise again', async () => {
    // The stored token expires; the refresh token WeChat holds is no longer the stored one.
    component().refreshTokens.set(NEWS, 'refreshtoken@@@replaced-elsewhere');
    for (const [token, owner] of component().authorizerTokens) if (owner === NEWS) component().authorizerTokens.delete(token);
    const response = await fetch(`${app.url}/api/messages/custom?account=${NEWS}`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ touser: 'o_follower_1', reply: { type: 'text', content: 'hello' } }),
    });
    // The first call finds the stored token refused (40001), refreshes, and WeChat refuses the refresh token.
    assert.equal(response.status, 409, await response.text());
    const again = await fetch(`${app.url}/api/access-token?account=${NEWS}`, { headers: admin });
    assert.equal(again.status, 409);
    assert.match(((await again.json()) as { error: string }).error, /authoris/);
    // Shown in /metrics and in the console.
    const metrics = await (await fetch(`${app.url}/metrics`, { headers: admin })).text();
    assert.match(metrics, /^wechat_open_authorizers 2$/m);
    assert.match(metrics, new RegExp(`^wechat_open_reauthorization_needed\\{account="${NEWS}"\\} 1$`, 'm'));
    assert.doesNotMatch(metrics, new RegExp(`wechat_open_reauthorization_needed\\{account="${SHOP}"`));
    const cookie = await consoleSession();
    const session = (await (await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).json()) as {
      accounts: { name: string; appId: string | null }[];
    };
    assert.deepEqual(
      session.accounts.map((account) => account.name),
      [NEWS, SHOP],
      'the console lists the authorised accounts by AppID',
    );
    const overviewOf = async (appId: string) =>
      (await (await fetch(`${app.url}/console/api/overview?account=${appId}`, { headers: { Cookie: cookie } })).json()) as {
        authorisation: { needsReauthorization: boolean; authorizedAt: string } | null;
      };
    assert.equal((await overviewOf(NEWS)).authorisation?.needsReauthorization, true);
    assert.equal((await overviewOf(SHOP)).authorisation?.needsReauthorization, false);
  });

  it('unauthorized: its messages and its admin routes are a 404 again', async () => {
    assert.equal((await component().push(app.url, component().unauthorizationXml(SHOP))).text, 'success');
    await until(
      async () => (await fetch(`${app.url}/api/access-token?account=${SHOP}`, { headers: admin })).status === 404,
      'the account gone',
    );
    const side = sideOf(SHOP);
    assert.equal((await post(SHOP, side, side.messageXml({ MsgType: 'text', Content: '店名' }))).status, 404);
  });

  describe('the release check (全网发布), with no code of the user', () => {
    const [checker = '', original = ''] = [...RELEASE_CHECK_ACCOUNTS][0] ?? [];

    it('answers TESTCOMPONENT_MSG_TYPE_TEXT with TESTCOMPONENT_MSG_TYPE_TEXT_callback, though the account never authorised', async () => {
      const side = sideOf(checker, original);
      const xml = side.messageXml({ MsgType: 'text', Content: 'TESTCOMPONENT_MSG_TYPE_TEXT' });
      const { status, text } = await post(checker, side, xml);
      assert.equal(side.checkReply(status, text).reply?.Content, 'TESTCOMPONENT_MSG_TYPE_TEXT_callback');
    });

    it('answers every event with <Event>from_callback, subscribe included', async () => {
      const side = sideOf(checker, original);
      for (const event of ['LOCATION', 'subscribe']) {
        const xml = side.messageXml({
          MsgType: 'event',
          Event: event,
          ...(event === 'LOCATION' ? { Latitude: 1, Longitude: 2, Precision: 3 } : {}),
        });
        const { status, text } = await post(checker, side, xml);
        assert.equal(side.checkReply(status, text).reply?.Content, `${event}from_callback`);
      }
    });

    it('QUERY_AUTH_CODE:<code>: answered empty, then <code>_from_api sent within 5 s with the token that code gave', async () => {
      const side = sideOf(checker, original);
      const code = component().newCode(checker);
      const started = Date.now();
      const { status, text } = await post(
        checker,
        side,
        side.messageXml({ MsgType: 'text', Content: `QUERY_AUTH_CODE:${code}` }, { user: 'o_checker' }),
        'o_checker',
      );
      assert.equal(side.checkReply(status, text, { user: 'o_checker' }).reply, undefined);
      await until(
        () => fake.callsTo('/cgi-bin/message/custom/send').some((call) => (call.body as { touser?: string }).touser === 'o_checker'),
        'the customer-service text',
      );
      assert.ok(Date.now() - started < 5000);
      const sent = fake.callsTo('/cgi-bin/message/custom/send').find((call) => (call.body as { touser?: string }).touser === 'o_checker');
      assert.deepEqual(sent?.body, { touser: 'o_checker', msgtype: 'text', text: { content: `${code}_from_api` } });
      assert.equal(fake.ownerOf(sent?.query.access_token), checker);
    });

    it('applies to the five release-check accounts only', async () => {
      await authorise(NEWS);
      assert.notEqual(await say(NEWS, 'TESTCOMPONENT_MSG_TYPE_TEXT'), 'TESTCOMPONENT_MSG_TYPE_TEXT_callback');
    });
  });

  it('a restart keeps the authorised accounts (OPEN_STATE_FILE): they answer and send with no new ticket nor authorisation', async () => {
    const exchanges = fake.count('/cgi-bin/component/api_query_auth');
    const logs = app.logText();
    await app.close();
    app = await startPlatform();
    const tickets = component().tickets.size;
    assert.notEqual(await say(NEWS, 'TESTCOMPONENT_MSG_TYPE_TEXT'), undefined);
    const response = await fetch(`${app.url}/api/messages/custom?account=${NEWS}`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ touser: 'o_follower_2', reply: { type: 'text', content: 'after the restart' } }),
    });
    assert.equal(response.status, 200, await response.text());
    assert.equal(fake.count('/cgi-bin/component/api_query_auth'), exchanges, 'no new authorisation');
    assert.equal(component().tickets.size, tickets, 'no new ticket');
    assert.equal(fake.ownerOf(fake.callsTo('/cgi-bin/message/custom/send').at(-1)?.query.access_token), NEWS);
    restartedLogs = logs;
  });

  it('logs none of the platform’s secrets or tokens', () => {
    const logs = restartedLogs + app.logText();
    for (const secret of component().secrets()) assert.ok(!logs.includes(secret), `a secret in the logs: ${secret.slice(0, 12)}…`);
  });
});

describe('ACCOUNTS_FILE entries of authorised accounts (no token)', () => {
  const component = { appId: 'wx_component', token: 'componenttoken', aesKey: 'a'.repeat(43) };
  const context = { env: {}, adminToken: undefined, requireAes: false, jssdkDomains: [] };
  const load = (text: string, withComponent = true) => {
    const dir = mkdtempSync(join(tmpdir(), 'open-entries-'));
    writeFileSync(join(dir, 'accounts.yaml'), text);
    return loadAccountsFile(join(dir, 'accounts.yaml'), withComponent ? { ...context, component } : context);
  };

  it('is the account of that AppID, with the platform’s token and key, and the entry’s files', () => {
    const loaded = load('accounts:\n  - appid: wx_shop\n    replies_file: shop.yaml\n    menu_file: menu.yaml\n');
    assert.ok(loaded.ok);
    const [shop] = loaded.accounts;
    assert.equal(shop?.name, 'wx_shop');
    assert.equal(shop?.componentAppId, component.appId);
    assert.equal(shop?.token, component.token);
    assert.equal(shop?.encodingAesKey, component.aesKey);
    assert.equal(shop?.requireAes, true);
    assert.match(shop?.repliesFile ?? '', /shop\.yaml$/);
    assert.match(shop?.menuFile ?? '', /menu\.yaml$/);
  });

  it('without the platform configured, a missing token is a problem that says what an entry without one means', () => {
    const loaded = load('accounts:\n  - appid: wx_shop\n', false);
    assert.ok(!loaded.ok);
    assert.match(loaded.problems.join('\n'), /accounts\[0\]\.token.*WECHAT_COMPONENT_/);
  });

  it('a name other than the AppID, a secret or a key of its own are problems, each named', () => {
    const loaded = load('accounts:\n  - appid: wx_shop\n    name: shop\n    secret: s\n    require_aes: false\n');
    assert.ok(!loaded.ok);
    const text = loaded.problems.join('\n');
    assert.match(text, /accounts\[0\]\.name.*its AppID/);
    assert.match(text, /accounts\[0\]\.secret/);
    assert.match(text, /accounts\[0\]\.require_aes/);
  });

  it('an entry with a token still needs its name', () => {
    const loaded = load('accounts:\n  - appid: wx_shop\n    token: t\n');
    assert.ok(!loaded.ok);
    assert.match(loaded.problems.join('\n'), /accounts\[0\]\.name.*is missing/);
  });
});
