import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { createAccount, type Account } from '../src/accounts/account.js';
import { createServerResources, type ServerResources } from '../src/accounts/server-resources.js';
import { loadConfig } from '../src/core/config.js';
import { createLogger } from '../src/core/logger.js';
import { webhookRouter } from '../src/http/wechat-middleware.js';
import { createReplyRouter } from '../src/replies/router.js';
import { createWeChatSide, type WeChatSide } from '../src/testing.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from './helpers/redis-server.js';
import { until } from './helpers/until.js';

const SECOND = { appId: 'wx_second_account_02', appSecret: 'second-app-secret-5e3b', token: 'second-account-token' };
const FIRST_TOKEN = 'first-account-token';

/**
 * Two official accounts built in one process on one set of server resources (one log,
 * one Redis connection, one registry), each served at its own path, as an application
 * with two accounts would mount them. Whatever one account keeps, the other never sees.
 */
function twoAccountsSuite(redisUrl: () => string | undefined): void {
  let fake: FakeWeChat;
  let server: ServerResources;
  let first: Account;
  let second: Account;
  let http: Server;
  let base = '';
  /** Each account's handler runs, per account: proves the retry memory is the account's own. */
  const runs: string[] = [];
  let wechatFirst: WeChatSide;
  let wechatSecond: WeChatSide;

  before(async () => {
    fake = await new FakeWeChat().start();
    fake.addAccount(SECOND.appId, SECOND.appSecret);
    const url = redisUrl();
    const config = loadConfig({
      WECHAT_TOKEN: FIRST_TOKEN,
      WECHAT_API_BASE: fake.url,
      LOG_LEVEL: 'silent',
      ...(url === undefined ? {} : { REDIS_URL: url }),
    });
    server = createServerResources(config, { logger: createLogger('silent'), accountLabel: true });
    if (server.redis !== undefined) await until(() => server.redis?.healthy() === true, 'Redis ready');
    // One router for both: the context says which account a message is for.
    const router = createReplyRouter<{ count: number }>().on('text', async (message, context) => {
      runs.push(context.account.name);
      const count = ((await context.session.get())?.count ?? 0) + 1;
      await context.session.set({ count });
      return { type: 'text', content: `${context.account.name}:${message.Content}:${count}` };
    });
    const settings = {
      encodingAesKey: undefined,
      requireAes: false,
      repliesFile: undefined,
      menuFile: undefined,
      jssdkDomains: [],
      apiKeys: [],
    };
    first = createAccount(
      { ...settings, name: 'first', appId: fake.appId, appSecret: fake.appSecret, token: FIRST_TOKEN },
      config,
      server,
      { router },
    );
    second = createAccount({ ...settings, name: 'second', ...SECOND }, config, server, { router });
    const app = express();
    app.use('/wechat/first', webhookRouter(config, first, server.logger));
    app.use('/wechat/second', webhookRouter(config, second, server.logger));
    http = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => http.once('listening', resolve));
    base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    wechatFirst = createWeChatSide({ token: FIRST_TOKEN, account: 'gh_shared' });
    wechatSecond = createWeChatSide({ token: SECOND.token, account: 'gh_shared' });
  });
  after(async () => {
    http.close();
    await first.close();
    await second.close();
    await server.close();
    await fake.stop();
  });

  const send = async (wechat: WeChatSide, path: string, xml: string) => {
    const signed = wechat.signRequest(xml);
    const response = await fetch(`${base}/wechat/${path}?${signed.query}`, { method: 'POST', body: signed.body });
    return { status: response.status, body: await response.text() };
  };

  it('the same MsgId from the same user at both accounts is two messages, each handled once, each with its own session', async () => {
    const fields = { MsgType: 'text', Content: '你好', MsgId: '6349323426230211234', CreateTime: 1_700_000_000 };
    runs.length = 0;
    const toFirst = wechatFirst.messageXml({ ...fields });
    const toSecond = wechatSecond.messageXml({ ...fields });
    const one = await send(wechatFirst, 'first', toFirst);
    const two = await send(wechatSecond, 'second', toSecond);
    assert.equal(wechatFirst.checkReply(one.status, one.body).reply?.Content, 'first:你好:1');
    assert.equal(wechatSecond.checkReply(two.status, two.body).reply?.Content, 'second:你好:1');
    // WeChat's retry at the first account: recorded there, the handler does not run again.
    const retry = await send(wechatFirst, 'first', toFirst);
    assert.equal(wechatFirst.checkReply(retry.status, retry.body).reply?.Content, 'first:你好:1');
    assert.deepEqual(runs, ['first', 'second']);
    // A new message at the first: its session counts its own messages only.
    const next = await send(wechatFirst, 'first', wechatFirst.messageXml({ MsgType: 'text', Content: '再见' }));
    assert.equal(wechatFirst.checkReply(next.status, next.body).reply?.Content, 'first:再见:2');
  });

  it('a message is verified with its own account’s token only', async () => {
    const wrong = await send(wechatFirst, 'second', wechatFirst.messageXml({ MsgType: 'text', Content: 'x' }));
    assert.equal(wrong.status, 403);
  });

  it('each account fetches and keeps its own access token, from its own AppID', async () => {
    const firstToken = (await first.api?.accessToken.current())?.value;
    const secondToken = (await second.api?.accessToken.current())?.value;
    assert.equal(fake.ownerOf(firstToken), fake.appId);
    assert.equal(fake.ownerOf(secondToken), SECOND.appId);
    // Asked again, each has its own kept: no fetch, and never the other's.
    const fetches = fake.tokenFetches();
    assert.equal((await second.api?.accessToken.current())?.value, secondToken);
    assert.equal((await first.api?.accessToken.current())?.value, firstToken);
    assert.equal(fake.tokenFetches(), fetches);
  });

  it('each account counts in its own series, labelled with its name', async () => {
    const text = await server.metrics.registry.metrics();
    assert.match(text, /^wechat_messages_total\{account="first",type="text",outcome="replied"\} 2$/m);
    assert.match(text, /^wechat_messages_total\{account="first",type="text",outcome="retry"\} 1$/m);
    assert.match(text, /^wechat_messages_total\{account="second",type="text",outcome="replied"\} 1$/m);
    assert.match(text, /^wechat_messages_total\{account="second",type="none",outcome="refused"\} 1$/m);
    assert.match(text, /^wechat_token_refreshes_total\{account="second"\} 1$/m);
  });

  if (redisUrl() !== undefined) {
    it('in Redis, every key carries its account’s AppID verbatim', async () => {
      const keys = (await server.redis?.redis.keys('*')) ?? [];
      const firstKeys = keys.filter((key) => key.startsWith(`wechat:${fake.appId}:`));
      const secondKeys = keys.filter((key) => key.startsWith(`wechat:${SECOND.appId}:`));
      assert.deepEqual([...firstKeys, ...secondKeys].sort(), [...keys].sort(), `keys of no account: ${keys.join(', ')}`);
      for (const kind of ['access_token', 'retry:', 'session:', 'signature:']) {
        assert.ok(
          firstKeys.some((key) => key.includes(kind)),
          `no ${kind} key of the first account`,
        );
        assert.ok(
          secondKeys.some((key) => key.includes(kind)),
          `no ${kind} key of the second account`,
        );
      }
    });
  }
}

describe('two accounts in one process, in memory: nothing is shared', () => {
  twoAccountsSuite(() => undefined);
});

describeWithRedis('two accounts in one process, on one Redis: nothing is shared', () => {
  let redis: PrivateRedis | undefined;
  before(async () => {
    redis = await PrivateRedis.start();
  });
  after(() => redis?.stop());
  twoAccountsSuite(() => redis?.url ?? 'redis://127.0.0.1:1');
});
