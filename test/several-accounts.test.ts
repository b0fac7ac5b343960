import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createApp, type WeChatApp } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { createReplyRouter } from '../src/replies/router.js';
import { createWeChatSide, type WeChatSide } from '../src/testing.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from './helpers/redis-server.js';
import { until } from './helpers/until.js';
import { startApp, untilRedisReady } from './helpers/start-app.js';
import { readReply, signedQuery, textXml } from './helpers/wechat.js';

const ADMIN = 'admin-token-of-the-agency-0001';
const SHOP_KEY = 'shop-orders-service-key-0001';
const NEWS_KEY = 'news-cms-key-of-the-newsroom-02';

/** Three accounts, their secrets only in the environment, each with its own replies file. */
const ENV: Record<string, string> = {
  SHOP_SECRET: 'shop-app-secret-0001',
  SHOP_TOKEN: 'shoptoken01',
  NEWS_SECRET: 'news-app-secret-0002',
  NEWS_TOKEN: 'newstoken02',
  THIRD_SECRET: 'third-app-secret-0003',
  THIRD_TOKEN: 'thirdtoken03',
  SHOP_KEY,
  NEWS_KEY,
};
const APPIDS = { shop: 'wx_shop_account_01', news: 'wx_news_account_02', third: 'wx_third_account_3', fourth: 'wx_fourth_account4' };

function entry(name: keyof typeof APPIDS, upper: string, keys = ''): string {
  return [
    `  - name: ${name}`,
    `    appid: ${APPIDS[name]}`,
    `    secret: \${${upper}_SECRET}`,
    `    token: \${${upper}_TOKEN}`,
    `    replies_file: replies/${name}.yaml`,
    ...(keys === '' ? [] : [`    api_keys: ${keys}`]),
  ].join('\n');
}

describe('several accounts on one server (ACCOUNTS_FILE)', () => {
  let dir: string;
  let file: string;
  let fake: FakeWeChat;
  let app: WeChatApp;
  let http: Server;
  let base = '';
  const logs: string[] = [];
  const handled: string[] = [];
  const side = (name: 'shop' | 'news' | 'third' | 'fourth'): WeChatSide =>
    createWeChatSide({ token: (ENV[`${name.toUpperCase()}_TOKEN`] ?? 'fourthtoken04') as string, account: `gh_${name}` });

  /** Writes the accounts file as an editor does: a new file renamed over the old. */
  const writeAccounts = (text: string): void => {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accounts-'));
    file = join(dir, 'accounts.yaml');
    mkdirSync(join(dir, 'replies'));
    for (const name of Object.keys(APPIDS)) {
      writeFileSync(join(dir, 'replies', `${name}.yaml`), `keywords:\n  - exact: [店名]\n    reply: 这里是 ${name}\n`);
    }
    writeAccounts(
      `accounts:\n${entry('shop', 'SHOP', `[{ name: orders-service, key: "\${SHOP_KEY}" }]`)}\n${entry('news', 'NEWS', '["${NEWS_KEY}"]')}\n${entry('third', 'THIRD')}\n`,
    );
    fake = await new FakeWeChat().start();
    for (const [name, appId] of Object.entries(APPIDS))
      fake.addAccount(appId, ENV[`${name.toUpperCase()}_SECRET`] ?? 'fourth-app-secret-0004');
    const env = { ACCOUNTS_FILE: file, ADMIN_TOKEN: ADMIN, WECHAT_API_BASE: fake.url, LOG_LEVEL: 'info' };
    const config = loadConfig(env);
    const sink = { write: (line: string) => logs.push(line) };
    // The application's own handler, for every account: it counts which account ran it, and leaves the answer to the file.
    const router = createReplyRouter().on('text', (_message, context) => {
      handled.push(context.account.name);
      return undefined;
    });
    app = createApp(config, {
      logger: createLogger('info', sink as never),
      router,
      env: () => ({ ...process.env, ...ENV, FOURTH_SECRET: 'fourth-app-secret-0004', FOURTH_TOKEN: 'fourthtoken04' }),
      watch: { debounceMs: 50, pollMs: 200 },
    });
    http = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  });
  after(async () => {
    http.closeAllConnections();
    http.close();
    await app.shutdown();
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = async (path: string, wechat: WeChatSide, xml: string) => {
    const signed = wechat.signRequest(xml);
    const response = await fetch(`${base}${path}?${signed.query}`, { method: 'POST', body: signed.body });
    return { status: response.status, body: await response.text() };
  };
  const ask = async (path: string, wechat: WeChatSide, content: string): Promise<unknown> => {
    const answer = await post(path, wechat, wechat.messageXml({ MsgType: 'text', Content: content }));
    return wechat.checkReply(answer.status, answer.body).reply?.Content;
  };
  const admin = (path: string, key = ADMIN, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${key}`, ...headers } });

  it('each account answers at WECHAT_PATH/<name> and /<appid>, from its own replies file', async () => {
    assert.equal(await ask('/wechat/shop', side('shop'), '店名'), '这里是 shop');
    assert.equal(await ask('/wechat/news', side('news'), '店名'), '这里是 news');
    assert.equal(await ask(`/wechat/${APPIDS.third}`, side('third'), '店名'), '这里是 third');
  });

  it("a message is verified with its own account's token only; an unknown account and plain WECHAT_PATH without default are 404", async () => {
    const shop = side('shop');
    assert.equal((await post('/wechat/news', shop, shop.messageXml({ MsgType: 'text', Content: 'x' }))).status, 403);
    assert.equal((await post('/wechat/nobody', shop, shop.messageXml({ MsgType: 'text', Content: 'x' }))).status, 404);
    assert.equal((await post('/wechat', shop, shop.messageXml({ MsgType: 'text', Content: 'x' }))).status, 404);
  });

  it('the same MsgId to two accounts is two messages: handled once at each', async () => {
    handled.length = 0;
    const fields = { MsgType: 'text', Content: '店名', MsgId: '6349323426230219999', CreateTime: 1_700_000_123 };
    const shop = createWeChatSide({ token: ENV.SHOP_TOKEN!, account: 'gh_same' });
    const news = createWeChatSide({ token: ENV.NEWS_TOKEN!, account: 'gh_same' });
    const one = await post('/wechat/shop', shop, shop.messageXml(fields));
    const two = await post('/wechat/news', news, news.messageXml(fields));
    assert.equal(shop.checkReply(one.status, one.body).reply?.Content, '这里是 shop');
    assert.equal(news.checkReply(two.status, two.body).reply?.Content, '这里是 news');
    assert.deepEqual(handled, ['shop', 'news']);
  });

  it('reach is per account: a window and a grant recorded for one account are not the other’s, for the same openid', async () => {
    const user = 'oSameOpenidTwoAccounts';
    const shop = side('shop');
    assert.equal((await post('/wechat/shop', shop, shop.messageXml({ MsgType: 'text', Content: 'hi' }, { user }))).status, 200);
    const popup =
      `<xml><ToUserName><![CDATA[gh_shop]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName>` +
      `<CreateTime>${Math.floor(Date.now() / 1000) - 60}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[subscribe_msg_change_event]]></Event><SubscribeMsgChangeEvent><List><TemplateId><![CDATA[NOTICE_LONG_TERM]]></TemplateId>` +
      `<SubscribeStatusString><![CDATA[reject]]></SubscribeStatusString></List></SubscribeMsgChangeEvent></xml>`;
    assert.equal((await post('/wechat/shop', shop, popup)).status, 200);
    const reach = async (account: string) =>
      (await (await admin(`/api/users/${user}/reach?account=${account}`)).json()) as { window: string; grants: { status: string }[] };
    const shopReach = await reach('shop');
    assert.equal(shopReach.window, 'open');
    assert.deepEqual(
      shopReach.grants.map((grant) => grant.status),
      ['reject'],
    );
    assert.deepEqual(await reach('news'), {
      window: 'unknown',
      window_until: null,
      custom_sent_in_window: 0,
      sends_left: null,
      grants: [],
    });
  });

  it('admin routes pick the account by ?account= or X-WeChat-Account; none → 400 naming account; unknown → 404', async () => {
    const byQuery = (await (await admin('/api/access-token?account=shop')).json()) as { access_token: string };
    assert.equal(fake.ownerOf(byQuery.access_token), APPIDS.shop);
    const byHeader = (await (await admin('/api/access-token', ADMIN, { 'X-WeChat-Account': APPIDS.news })).json()) as {
      access_token: string;
    };
    assert.equal(fake.ownerOf(byHeader.access_token), APPIDS.news);
    const none = await admin('/api/access-token');
    assert.equal(none.status, 400);
    assert.match(((await none.json()) as { error: string }).error, /account/);
    assert.equal((await admin('/api/access-token?account=nobody')).status, 404);
  });

  it("an account's API key acts for its own account without a selector, gets 403 for another, and is not an admin token", async () => {
    const own = (await (await admin('/api/access-token', SHOP_KEY)).json()) as { access_token: string };
    assert.equal(fake.ownerOf(own.access_token), APPIDS.shop);
    assert.equal((await admin('/api/access-token?account=news', SHOP_KEY)).status, 403);
    assert.equal((await admin('/api/access-token', NEWS_KEY, { 'X-WeChat-Account': 'shop' })).status, 403);
    assert.equal((await admin('/metrics', SHOP_KEY)).status, 401);
  });

  it("a send with an account's API key is logged with the key's name, or <account>#<index> for a key without one; never the key", async () => {
    const sentBy = async (key: string, touser: string): Promise<Record<string, unknown>[]> => {
      const response = await fetch(`${base}/api/messages/custom`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body: JSON.stringify({ touser, reply: { type: 'text', content: '发货了' } }),
      });
      assert.equal(response.status, 200, await response.text());
      return logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line.msg === 'message sent' && line.to === `${touser.slice(0, 4)}…${touser.slice(-4)}`);
    };
    // shop's key is named orders-service; news's is given without a name, the first of its list.
    const byShop = await sentBy(SHOP_KEY, 'oShopBuyer_0001');
    assert.deepEqual(
      byShop.map((line) => [line.route, line.caller]),
      [['POST /api/messages/custom', 'orders-service']],
    );
    const byNews = await sentBy(NEWS_KEY, 'oNewsReader_0002');
    assert.deepEqual(
      byNews.map((line) => [line.route, line.caller]),
      [['POST /api/messages/custom', 'news#0']],
    );
    const text = logs.join('\n');
    assert.ok(!text.includes(SHOP_KEY) && !text.includes(NEWS_KEY), 'an API key was logged');
  });

  it('/metrics labels each account’s series, and ?account= keeps one account’s', async () => {
    const all = await (await admin('/metrics')).text();
    assert.match(all, /^wechat_messages_total\{account="shop",type="text",outcome="replied"\} \d+$/m);
    assert.match(all, /^wechat_messages_total\{account="news",type="text",outcome="replied"\} \d+$/m);
    const shop = await (await admin('/metrics?account=shop')).text();
    assert.match(shop, /account="shop"/);
    assert.doesNotMatch(shop, /account="news"/);
    assert.equal((await admin('/metrics?account=nobody')).status, 404);
  });

  it('a live edit that does not validate is rejected whole; one that does adds and removes accounts, while messages to the others keep being answered', async () => {
    let failures = 0;
    let sent = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        const reply = await ask('/wechat/shop', side('shop'), '店名').catch(() => undefined);
        sent += 1;
        if (reply !== '这里是 shop') failures += 1;
      }
    })();
    try {
      // Invalid: the new fourth account is fine, but news's key is too short: nothing of it applies.
      writeAccounts(`accounts:\n${entry('shop', 'SHOP')}\n${entry('news', 'NEWS', '["short"]')}\n${entry('fourth', 'FOURTH')}\n`);
      await until(() => logs.some((line) => line.includes('accounts file not applied')), 'the invalid edit logged', 5000);
      assert.equal(await ask('/wechat/third', side('third'), '店名'), '这里是 third');
      assert.equal(
        (await post('/wechat/fourth', side('fourth'), side('fourth').messageXml({ MsgType: 'text', Content: 'x' }))).status,
        404,
      );
      // Valid: fourth added, third removed.
      writeAccounts(`accounts:\n${entry('shop', 'SHOP')}\n${entry('news', 'NEWS')}\n${entry('fourth', 'FOURTH')}\n`);
      await until(
        async () => (await ask('/wechat/fourth', side('fourth'), '店名').catch(() => undefined)) === '这里是 fourth',
        'fourth added',
        5000,
      );
      assert.equal((await post('/wechat/third', side('third'), side('third').messageXml({ MsgType: 'text', Content: 'x' }))).status, 404);
    } finally {
      running = false;
      await load;
    }
    assert.ok(sent > 5, `only ${sent} messages were sent during the edits`);
    assert.equal(failures, 0, `${failures} of ${sent} messages to shop failed during the edits`);
  });
  it('the accounts file deleted, then replaced by one that does not parse: each logged, the last good accounts keep answering; a valid file then applies', async () => {
    const linesSince = (mark: number): Record<string, unknown>[] =>
      logs.slice(mark).map((line) => JSON.parse(line) as Record<string, unknown>);
    const notApplied = (mark: number, problem: RegExp): boolean =>
      linesSince(mark).some(
        (line) =>
          line.level === 50 &&
          String(line.msg).startsWith('accounts file not applied') &&
          Array.isArray(line.problems) &&
          line.problems.some((text) => problem.test(String(text))),
      );
    let failures = 0;
    let sent = 0;
    let running = true;
    const load = (async () => {
      while (running) {
        const reply = await ask('/wechat/shop', side('shop'), '店名').catch(() => undefined);
        sent += 1;
        if (reply !== '这里是 shop') failures += 1;
      }
    })();
    try {
      let mark = logs.length;
      rmSync(file);
      await until(() => notApplied(mark, /no such file/), 'the deleted file logged', 5000);
      assert.equal(await ask('/wechat/news', side('news'), '店名'), '这里是 news');

      mark = logs.length;
      writeAccounts(`accounts:\n  - name: shop\n    appid: [${APPIDS.shop}\n    token: \${SHOP_TOKEN}\n`);
      await until(() => notApplied(mark, /accounts\.yaml:\d+: /), 'the file that does not parse logged', 5000);
      assert.equal(await ask('/wechat/news', side('news'), '店名'), '这里是 news');

      // Valid again: shop, news and third, whatever the accounts were before (third may have been removed by an edit).
      mark = logs.length;
      writeAccounts(`accounts:\n${entry('shop', 'SHOP')}\n${entry('news', 'NEWS')}\n${entry('third', 'THIRD')}\n`);
      await until(() => linesSince(mark).some((line) => line.msg === 'accounts file applied'), 'the valid file applied', 5000);
      assert.equal(await ask('/wechat/third', side('third'), '店名'), '这里是 third');
      assert.equal(await ask('/wechat/news', side('news'), '店名'), '这里是 news');
      assert.equal(
        (await post('/wechat/fourth', side('fourth'), side('fourth').messageXml({ MsgType: 'text', Content: 'x' }))).status,
        404,
      );
    } finally {
      running = false;
      await load;
    }
    assert.ok(sent > 5, `only ${sent} messages were sent during the edits`);
    assert.equal(failures, 0, `${failures} of ${sent} messages to shop failed while the file was missing or broken`);
  });
});

describeWithRedis('several accounts on two instances sharing Redis', () => {
  let redis: PrivateRedis;
  let fake: FakeWeChat;
  let dir: string;
  const apps: WeChatApp[] = [];
  const servers: Server[] = [];
  const bases: string[] = [];
  /** The account of each run of the application's handler, on either instance. */
  const handled: string[] = [];

  before(async () => {
    redis = await PrivateRedis.start();
    fake = await new FakeWeChat().start();
    dir = mkdtempSync(join(tmpdir(), 'accounts-redis-'));
    const file = join(dir, 'accounts.yaml');
    mkdirSync(join(dir, 'replies'));
    for (const name of ['shop', 'news', 'third'] as const) {
      writeFileSync(join(dir, 'replies', `${name}.yaml`), `keywords:\n  - exact: [店名]\n    reply: 这里是 ${name}\n`);
      fake.addAccount(APPIDS[name], ENV[`${name.toUpperCase()}_SECRET`]!);
    }
    writeFileSync(file, `accounts:\n${entry('shop', 'SHOP')}\n${entry('news', 'NEWS')}\n${entry('third', 'THIRD')}\n`);
    const config = loadConfig({
      ACCOUNTS_FILE: file,
      ADMIN_TOKEN: ADMIN,
      WECHAT_API_BASE: fake.url,
      REDIS_URL: redis.url,
      LOG_LEVEL: 'silent',
    });
    for (let instance = 0; instance < 2; instance += 1) {
      const router = createReplyRouter().on('text', (_message, context) => {
        handled.push(context.account.name);
        return undefined;
      });
      const app = createApp(config, { logger: createLogger('silent'), router, env: () => ({ ...ENV }) });
      const server = app.listen(0, '127.0.0.1');
      await new Promise((resolve) => server.once('listening', resolve));
      apps.push(app);
      servers.push(server);
      bases.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    }
    await untilRedisReady(...bases.map((url) => ({ url })));
  });
  after(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      server.close();
    }
    for (const app of apps) await app.shutdown();
    await fake.stop();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('one token fetch per account across both instances, each from its own AppID', async () => {
    const owners: string[] = [];
    for (const name of ['shop', 'news', 'third']) {
      for (const base of bases) {
        const answer = await fetch(`${base}/api/access-token?account=${name}`, { headers: { Authorization: `Bearer ${ADMIN}` } });
        const { access_token: token } = (await answer.json()) as { access_token: string };
        owners.push(`${name}:${fake.ownerOf(token) ?? 'none'}`);
      }
    }
    assert.deepEqual(owners, [
      `shop:${APPIDS.shop}`,
      `shop:${APPIDS.shop}`,
      `news:${APPIDS.news}`,
      `news:${APPIDS.news}`,
      `third:${APPIDS.third}`,
      `third:${APPIDS.third}`,
    ]);
    assert.equal(fake.tokenFetches(), 3);
  });

  it("a retry at the other instance gets the first's answer, per account; the same MsgId at another account is its own message", async () => {
    const fields = { MsgType: 'text', Content: '店名', MsgId: '6349323426230217777', CreateTime: 1_700_000_456 };
    const shop = createWeChatSide({ token: ENV.SHOP_TOKEN!, account: 'gh_same' });
    const news = createWeChatSide({ token: ENV.NEWS_TOKEN!, account: 'gh_same' });
    const send = async (base: string, path: string, wechat: WeChatSide, xml: string) => {
      const signed = wechat.signRequest(xml);
      const response = await fetch(`${base}${path}?${signed.query}`, { method: 'POST', body: signed.body });
      return wechat.checkReply(response.status, await response.text()).reply?.Content;
    };
    const xml = shop.messageXml(fields);
    handled.length = 0;
    assert.equal(await send(bases[0]!, '/wechat/shop', shop, xml), '这里是 shop');
    assert.equal(await send(bases[1]!, '/wechat/shop', shop, xml), '这里是 shop');
    assert.equal(await send(bases[1]!, '/wechat/news', news, news.messageXml(fields)), '这里是 news');
    // The retry at the second instance was answered from Redis: the handler ran once for shop, once for news.
    assert.deepEqual(handled, ['shop', 'news']);
    const keys = await redis.inspect((client) => client.keys('*'));
    for (const name of ['shop', 'news'] as const) {
      const prefix = `wechat:${APPIDS[name]}:retry:`;
      assert.ok(
        keys.some((key) => key.startsWith(prefix)),
        `no ${prefix} key among ${keys.join(', ')}`,
      );
    }
    const unowned = keys.filter((key) => !Object.values(APPIDS).some((appId) => key.startsWith(`wechat:${appId}:`)));
    assert.deepEqual(unowned, [], 'every key carries its AppID verbatim');
  });
});
describe('one account configured as in part one', () => {
  it('also answers at WECHAT_PATH/default and WECHAT_PATH/<WECHAT_APPID>; another name is 404', async () => {
    const app = await startApp({ WECHAT_APPID: 'wx_single_account_1' });
    try {
      const reply = async (path: string) => {
        const response = await fetch(`${app.url}${path}?${signedQuery()}`, { method: 'POST', body: textXml('你好') });
        return { status: response.status, body: await response.text() };
      };
      for (const path of ['/wechat', '/wechat/default', '/wechat/wx_single_account_1']) {
        const answer = await reply(path);
        assert.equal(answer.status, 200, path);
        assert.equal(readReply(answer.body).Content, '你好', path);
      }
      assert.equal((await reply('/wechat/other')).status, 404);
    } finally {
      await app.close();
    }
  });
});
