import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { createReplyRouter } from '../../src/replies/router.js';
import { orderFlowRouter, say, textFrom } from '../helpers/conversation.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { startApp, type RunningApp, untilRedisReady } from '../helpers/start-app.js';
import { postToWebhook } from '../helpers/wechat.js';
import { until } from '../helpers/until.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('conversations across instances (Redis)', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let a: RunningApp;
  let b: RunningApp;
  let flowA: RunningApp;
  let flowB: RunningApp;

  before(async () => {
    redis = await PrivateRedis.start();
    client = new Redis(redis.url);
    const counter = createReplyRouter<{ count: number }>().on('text', async (message, { session }) => {
      const [command, argument = '0'] = message.Content.split(' ');
      if (command === 'throw') {
        await session.set({ count: 100 });
        throw new Error('failed while holding the conversation');
      }
      const count = ((await session.get())?.count ?? 0) + 1;
      await sleep(Number(argument));
      await session.set({ count });
      return { type: 'text', content: String(count) };
    });
    const env = { REDIS_URL: redis.url, REPLY_TIMEOUT_MS: '3000', SESSION_TTL_S: '100' };
    [a, b] = await Promise.all([startApp(env, { router: counter }), startApp(env, { router: counter })]);
    [flowA, flowB] = await Promise.all([startApp(env, { router: orderFlowRouter() }), startApp(env, { router: orderFlowRouter() })]);
    await untilRedisReady(a, b, flowA, flowB);
  });
  after(async () => {
    await Promise.all([a, b, flowA, flowB].map((app) => app.close()));
    client.disconnect();
    await redis.stop();
  });

  it('a three-step order flow, each step on the other instance, for twenty users at once', async () => {
    const users = Array.from({ length: 20 }, (_, i) => `o_flow_${i}`);
    const steps = await Promise.all(
      users.map(async (user, i) => [
        await say(i % 2 === 0 ? flowA.url : flowB.url, textFrom(user, '你好')),
        await say(i % 2 === 0 ? flowB.url : flowA.url, textFrom(user, '1')),
        await say(i % 2 === 0 ? flowA.url : flowB.url, textFrom(user, `2024${i}`)),
      ]),
    );
    steps.forEach((replies, i) => assert.deepEqual(replies, ['回复 1 查询订单', '请输入订单号', `订单 2024${i}：已发货`]));
    assert.equal(await client.exists(`wechat:no-appid:session:gh_account:${users[0]}`), 0, 'the last step cleared the state');
  });

  it('two messages of one user on two instances at once: one after the other, no update lost', async () => {
    const replies = await Promise.all([say(a.url, textFrom('o_both', 'count 300')), say(b.url, textFrom('o_both', 'count 0'))]);
    assert.deepEqual([...replies].sort(), ['1', '2']);
    const tenMore = await Promise.all(Array.from({ length: 10 }, (_, i) => say(i % 2 ? a.url : b.url, textFrom('o_both', 'count 10'))));
    assert.deepEqual(
      tenMore.map(Number).sort((x, y) => x - y),
      [3, 4, 5, 6, 7, 8, 9, 10, 11, 12],
    );
  });

  it('an account and a user split at another colon are another conversation, under its own key', async () => {
    const pairs = [
      ['gh_split:x', 'y'],
      ['gh_split', 'x:y'],
      ['gh_split%3Ax', 'y'],
    ] as const;
    for (const [i, expected] of ['1', '2'].entries()) {
      for (const [account, user] of pairs) {
        const instance = i === 0 ? a : b;
        assert.equal(await say(instance.url, textFrom(user, 'count 0', undefined, account)), expected, `${account} + ${user}`);
      }
    }
    assert.deepEqual((await client.keys('wechat:no-appid:session:gh_split*')).sort(), [
      'wechat:no-appid:session:gh_split%253Ax:y',
      'wechat:no-appid:session:gh_split%3Ax:y',
      'wechat:no-appid:session:gh_split:x:y',
    ]);
  });

  it('keeps the state SESSION_TTL_S in Redis under the account’s prefix, and lets the lock go after the handler', async () => {
    assert.equal(await say(a.url, textFrom('o_ttl', 'count 0')), '1');
    const pttl = await client.pttl('wechat:no-appid:session:gh_account:o_ttl');
    assert.ok(pttl > 90_000 && pttl <= 100_000, `PTTL ${pttl}`);
    assert.equal(await client.get('wechat:no-appid:session:gh_account:o_ttl'), '{"count":1}');
    await until(async () => (await client.exists('wechat:no-appid:session-lock:gh_account:o_ttl')) === 0, 'the lock released');
  });

  it('a state whose TTL ran out in Redis is gone', async () => {
    assert.equal(await say(a.url, textFrom('o_expire', 'count 0')), '1');
    await client.pexpire('wechat:no-appid:session:gh_account:o_expire', 1);
    await sleep(20);
    assert.equal(await say(b.url, textFrom('o_expire', 'count 0')), '1');
  });

  it('a handler that throws lets the lock go: the next message, on the other instance, goes ahead at once', async () => {
    const failing = postToWebhook(a.url, textFrom('o_throw', 'throw'));
    assert.equal(await (await failing).text(), 'success');
    // Had the lock stayed, this would wait for it past its 3 s deadline and answer `success`.
    assert.equal(await say(b.url, textFrom('o_throw', 'count 0')), '101');
    assert.equal(await client.exists('wechat:no-appid:session-lock:gh_account:o_throw'), 0);
  });

  it('while Redis is down, conversations fall back to the process, with the usual warning', async () => {
    await redis.stop();
    await until(() => a.logs.some((line) => line.level === 40 && String(line.msg).startsWith('Redis is unreachable')), 'the warning');
    assert.equal(await say(a.url, textFrom('o_down', 'count 0')), '1');
    assert.equal(await say(a.url, textFrom('o_down', 'count 0')), '2');
    const flow = [await say(flowA.url, textFrom('o_down', 'hi')), await say(flowA.url, textFrom('o_down', '1'))];
    assert.deepEqual(flow, ['回复 1 查询订单', '请输入订单号']);
    await redis.start();
  });
});
