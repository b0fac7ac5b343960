import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { createReplyRouter } from '../../src/replies/router.js';
import { consoleSignIn } from '../helpers/console-session.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { closeAll, startApp, untilRedisReady, type RunningApp } from '../helpers/start-app.js';
import { until } from '../helpers/until.js';

const ADMIN = 'open-instances-admin-token-0123456789';
const SHOP = 'wx_instances_shop_01';
const NEWS = 'wx_instances_news_02';
const SHOP_REPLY = '两个实例共用的商店回复';

/**
 * The "done when", over HTTP against the fake WeChat: two instances share one
 * Redis; a platform configured from scratch gets its ticket and an authorisation at
 * instance A, and instance B serves the account at once (its messages, /api), a retry
 * across the two is answered once, a restart of both loses nothing, and `unauthorized`
 * deletes every key the account kept.
 */
describeWithRedis('an authorised account served by two instances on one Redis', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let fake: FakeWeChat;
  let dir: string;
  let env: Record<string, string>;
  let a: RunningApp;
  let b: RunningApp;
  /** How many times the handlers ran, by account and MsgId. */
  const runs = new Map<string, number>();
  const router = createReplyRouter().on('text', async (message, { account, session }) => {
    const key = `${account.name}:${String(message.MsgId)}`;
    runs.set(key, (runs.get(key) ?? 0) + 1);
    if (message.Content !== '记住') return undefined;
    await session.set({ remembered: message.Content });
    return { type: 'text', content: '记住了' };
  });
  const admin = { Authorization: `Bearer ${ADMIN}` };
  const component = () => fake.component;
  const prefix = () => `wechat:open:${component().appId}:`;
  const keysOf = async (appId: string): Promise<string[]> => (await client.keys(`${prefix()}authorizer:${appId}:*`)).sort();
  const start = (): Promise<RunningApp> => startApp(env, { router });

  /** Posts a signed request to `app`'s /open/messages/<appid>, as WeChat does. */
  const post = (app: RunningApp, appId: string, signed: { query: string; body: string }) => component().postMessage(app.url, appId, signed);
  /** A text from `user` to the account at `app`; the reply's content. */
  const say = (app: RunningApp, appId: string, content: string, user = 'o_instances_1'): Promise<string | undefined> =>
    component().say(app.url, appId, content, user);
  /** A customer-service text sent through `app`'s /api for the account: the status, and who the fake says sent it. */
  const sendThrough = async (app: RunningApp, appId: string): Promise<{ status: number; sender: string | undefined }> => {
    const before = fake.count('/cgi-bin/message/custom/send');
    const response = await fetch(`${app.url}/api/messages/custom?account=${appId}`, {
      method: 'POST',
      headers: { ...admin, 'Content-Type': 'application/json' },
      body: JSON.stringify({ touser: 'o_instances_1', reply: { type: 'text', content: 'from the platform' } }),
    });
    await response.arrayBuffer();
    const sent = fake.callsTo('/cgi-bin/message/custom/send');
    return { status: response.status, sender: sent.length > before ? fake.ownerOf(sent.at(-1)?.query.access_token) : undefined };
  };
  /** The accounts `app`'s console lists, read with an admin session: what the process knows, without naming one. */
  const consoleAccounts = async (app: RunningApp): Promise<string[]> => {
    const { cookie } = await consoleSignIn(app.url, ADMIN);
    const session = (await (await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } })).json()) as {
      accounts: { name: string }[];
    };
    return session.accounts.map((account) => account.name);
  };
  const authorise = (app: RunningApp, appId: string): Promise<void> => component().authorise(app.url, appId);

  before(async () => {
    redis = await PrivateRedis.start();
    client = new Redis(redis.url);
    fake = await new FakeWeChat().start();
    dir = mkdtempSync(join(tmpdir(), 'open-instances-'));
    mkdirSync(join(dir, 'replies'));
    writeFileSync(join(dir, 'replies', 'x.yaml'), `keywords:\n  - exact: [店名]\n    reply: ${SHOP_REPLY}\n`);
    writeFileSync(join(dir, 'accounts.yaml'), `accounts:\n  - appid: ${SHOP}\n    replies_file: replies/x.yaml\n`);
    env = {
      WECHAT_API_BASE: fake.url,
      ...component().env(),
      WECHAT_TOKEN: '',
      REDIS_URL: redis.url,
      ACCOUNTS_FILE: join(dir, 'accounts.yaml'),
      ADMIN_TOKEN: ADMIN,
    };
    [a, b] = await Promise.all([start(), start()]);
    await untilRedisReady(a, b);
  });
  after(async () => {
    await closeAll(
      () => a?.close(),
      () => b?.close(),
      () => client?.disconnect(),
      () => fake?.stop(),
      () => redis?.stop(),
    );
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('from scratch: one ask for a ticket, the ticket pushed to A is kept in Redis', async () => {
    assert.equal(await client.exists(`${prefix()}ticket`), 0);
    await until(() => component().pushRequests > 0, 'the ask for a push');
    const ticket = await component().pushTicket(a.url);
    assert.equal(await client.hget(`${prefix()}ticket`, 'value'), ticket);
    assert.equal(component().pushRequests, 1, 'one ask for both instances');
  });

  it('an account authorised at A is answered at B at once, by the replies file of its ACCOUNTS_FILE entry', async () => {
    await authorise(a, SHOP);
    assert.deepEqual(await client.smembers(`${prefix()}authorizers`), [SHOP]);
    // B read the list at its start, when it was empty; it is 30 s from its next read.
    assert.equal(await say(b, SHOP, '店名'), SHOP_REPLY);
    assert.equal(fake.count('/cgi-bin/component/api_query_auth'), 1);
  });

  it('/api/messages/custom at B sends on its behalf, with the token A got at the authorisation', async () => {
    assert.deepEqual(await sendThrough(b, SHOP), { status: 200, sender: SHOP });
    assert.equal(fake.count('/cgi-bin/component/api_authorizer_token'), 0, 'B took the authorizer token from Redis');
    assert.equal(fake.count('/cgi-bin/component/api_component_token'), 1);
  });

  it('a message delivered to A and retried to B is answered once: the same bytes, the handler run once', async () => {
    const side = component().sideOf(SHOP);
    const xml = side.messageXml({ MsgType: 'text', Content: '店名' }, { user: 'o_instances_2' });
    const msgId = /<MsgId>(\d+)<\/MsgId>/.exec(xml)?.[1];
    const signed = side.signRequest(xml, { user: 'o_instances_2' });
    const first = await post(a, SHOP, signed);
    const retry = await post(b, SHOP, signed);
    assert.equal(side.checkReply(first.status, first.text, { user: 'o_instances_2' }).reply?.Content, SHOP_REPLY);
    assert.equal(retry.status, 200);
    assert.equal(retry.text, first.text);
    assert.equal(runs.get(`${SHOP}:${msgId}`), 1);
  });

  it('a restart of both instances loses nothing: no new ticket, authorisation nor component token', async () => {
    const counts = () => ({
      tickets: component().tickets.size,
      pushRequests: component().pushRequests,
      queryAuth: fake.count('/cgi-bin/component/api_query_auth'),
      componentToken: fake.count('/cgi-bin/component/api_component_token'),
    });
    const before = counts();
    await Promise.all([a.close(), b.close()]);
    // The authorizer token expired meanwhile: the new instances must refresh it, with the stored refresh token and component token.
    assert.equal(await client.del(`${prefix()}authorizer:${SHOP}:access_token`), 1);
    [a, b] = await Promise.all([start(), start()]);
    await untilRedisReady(a, b);
    // Each reads the list as soon as Redis answers, not 30 s later: the console lists the account before anything names it.
    for (const app of [a, b]) await until(async () => (await consoleAccounts(app)).includes(SHOP), 'the list read at the start', 3000);
    assert.equal(await say(a, SHOP, '店名'), SHOP_REPLY);
    assert.deepEqual(await sendThrough(b, SHOP), { status: 200, sender: SHOP });
    assert.equal(fake.count('/cgi-bin/component/api_authorizer_token'), 1, 'one refresh of the authorizer token');
    assert.deepEqual(counts(), before);
  });

  it('unauthorized at A deletes every key the account kept (sessions, retries, reach, tokens); another account keeps its own', async () => {
    await authorise(b, NEWS);
    assert.equal(await say(a, NEWS, '记住'), '记住了');
    assert.equal(await say(b, SHOP, '记住'), '记住了');
    await client.set(`${prefix()}authorizer:${SHOP}:media:written-by-the-test`, '1');
    const shopKeys = await keysOf(SHOP);
    for (const kind of ['access_token', 'media:', 'reach:', 'retry:', 'session:', 'signature:']) {
      assert.ok(
        shopKeys.some((key) => key.startsWith(`${prefix()}authorizer:${SHOP}:${kind}`)),
        `a ${kind} key before: ${shopKeys.join(', ')}`,
      );
    }
    const newsKeys = await keysOf(NEWS);
    assert.ok(newsKeys.some((key) => key.includes(':session:')));

    assert.deepEqual(await component().push(a.url, component().unauthorizationXml(SHOP)), { status: 200, text: 'success' });
    assert.deepEqual(await keysOf(SHOP), []);
    assert.equal(await client.exists(`${prefix()}authorizer:${SHOP}`), 0);
    assert.deepEqual(await client.smembers(`${prefix()}authorizers`), [NEWS]);
    assert.deepEqual(await keysOf(NEWS), newsKeys);
    assert.equal(await client.get(`${prefix()}authorizer:${NEWS}:session:gh_${NEWS}:o_instances_1`), '{"remembered":"记住"}');
  });
});
