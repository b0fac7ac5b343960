import assert from 'node:assert/strict';
import { after, before, beforeEach, it } from 'node:test';
import { parseXml } from '../../src/protocol/parse-xml.js';
import { retryKeyOf } from '../../src/protocol/retry-key.js';
import { toMessage } from '../../src/protocol/to-message.js';
import { createReplyRouter } from '../../src/replies/router.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { startApp, type RunningApp, untilRedisReady } from '../helpers/start-app.js';
import { postToWebhook, readReply, signedQuery, textXml } from '../helpers/wechat.js';
import { until } from '../helpers/until.js';

const ADMIN_TOKEN = 'redis-test-admin';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeWithRedis('many instances, one token, one retry memory (Redis)', () => {
  let redis: PrivateRedis;
  let fake: FakeWeChat;
  let instances: RunningApp[];
  const runs = new Map<string, number>();

  before(async () => {
    redis = await PrivateRedis.start();
    fake = await new FakeWeChat().start();
    const router = createReplyRouter().on('text', async (message) => {
      runs.set(message.Content, (runs.get(message.Content) ?? 0) + 1);
      if (message.Content.startsWith('slow:')) await sleep(600);
      return { type: 'text', content: `${message.Content} (run ${runs.get(message.Content)})` };
    });
    instances = await Promise.all(
      [1, 2, 3].map(() => startApp({ ...fake.env(), ADMIN_TOKEN, REDIS_URL: redis.url, WECHAT_TOKEN_MODE: 'token' }, { router })),
    );
    await untilRedisReady(...instances);
  });
  after(async () => {
    await Promise.all(instances.map((app) => app.close()));
    await fake.stop();
    await redis.stop();
  });
  beforeEach(() => {
    fake.calls.length = 0;
  });

  const qrcode = (app: RunningApp, scene: number) =>
    fetch(`${app.url}/qrcode?scene_id=${scene}&format=json`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });

  it('50 concurrent requests spread over three instances on a cold cache make exactly one token fetch', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => qrcode(instances[i % 3]!, i + 1)));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
    assert.equal(fake.tokenFetches(), 1);
    const used = new Set(fake.callsTo('/cgi-bin/qrcode/create').map((call) => call.query.access_token));
    assert.equal(used.size, 1, 'every instance used the same token');
  });

  it('a token refused with 40001 is refreshed once for all instances', async () => {
    await Promise.all(instances.map((app, i) => qrcode(app, i + 1))); // every instance holds the token
    fake.calls.length = 0;
    fake.revokeTokens();
    // Scenes no instance has a ticket for yet (a scene's ticket is reused), so each asks WeChat.
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => qrcode(instances[i % 3]!, 100 + i)));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
    assert.equal(fake.tokenFetches(), 1);
  });

  it('a message answered by instance A and retried to B: the handler ran once, same body', async () => {
    const xml = textXml('retried across instances');
    const first = await (await postToWebhook(instances[0]!.url, xml)).text();
    const second = await (await postToWebhook(instances[1]!.url, xml, signedQuery())).text();
    const third = await (await postToWebhook(instances[2]!.url, xml, signedQuery())).text();
    assert.equal(runs.get('retried across instances'), 1);
    assert.equal(second, first);
    assert.equal(third, first);
    assert.equal(readReply(first).Content, 'retried across instances (run 1)');
  });

  it('a retry on B while A still runs waits for A’s answer, byte for byte', async () => {
    const xml = textXml('slow: retried while running');
    const first = postToWebhook(instances[0]!.url, xml).then((response) => response.text());
    await sleep(150);
    const second = await (await postToWebhook(instances[1]!.url, xml, signedQuery())).text();
    assert.equal(second, await first);
    assert.equal(readReply(second).Content, 'slow: retried while running (run 1)');
    assert.equal(runs.get('slow: retried while running'), 1);
  });

  it('keys carry the AppID, so that accounts can share one Redis', async () => {
    const keys = await redis.inspect((client) => client.keys('*'));
    assert.ok(keys.length > 0);
    for (const key of keys) assert.ok(key.startsWith(`wechat:${fake.appId}:`), key);
  });

  it('a Redis that stalls does not hold a reply: every Redis call is bounded', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      let redisBack = false;
      const stalled = client.call('DEBUG', 'SLEEP', '2').then(() => (redisBack = true));
      await sleep(50);
      const reply = readReply(await (await postToWebhook(instances[0]!.url, textXml('while Redis stalls'))).text());
      // The handler's own answer (not the deadline's `success`), given while Redis still slept:
      // the reply did not wait for Redis, whatever the machine's speed.
      assert.equal(reply.Content, 'while Redis stalls (run 1)');
      assert.equal(redisBack, false, 'the reply waited for Redis to answer again');
      await stalled;
    } finally {
      client.disconnect();
    }
  });

  it('a message answered while Redis stalled: its retry on another instance gets the answer once Redis is back', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      const xml = textXml('claimed during a stall');
      const stalled = client.call('DEBUG', 'SLEEP', '1');
      await sleep(50);
      const first = await (await postToWebhook(instances[0]!.url, xml)).text();
      await stalled;
      // The claim Redis applied late is settled with the answer, not left pending.
      const key = `wechat:${fake.appId}:retry:${retryKeyOf(toMessage(parseXml(xml)))}`;
      await until(async () => (await client.get(key)) !== 'pending', 'the retry key settled in Redis');
      const retry = await (await postToWebhook(instances[1]!.url, xml, signedQuery())).text();
      assert.equal(retry, first);
      assert.equal(readReply(retry).Content, 'claimed during a stall (run 1)');
      assert.equal(runs.get('claimed during a stall'), 1);
    } finally {
      client.disconnect();
    }
  });

  it('/healthz says Redis is down while it does not answer a PING within 250 ms', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    try {
      const stalled = client.call('DEBUG', 'SLEEP', '1');
      await sleep(50);
      const health = await fetch(`${instances[0]!.url}/healthz`);
      assert.equal(health.status, 503);
      assert.deepEqual(await health.json(), { status: 'degraded', down: ['redis'] });
      // A load balancer watching /livez keeps every instance in rotation through the outage.
      for (const app of instances) {
        const live = await fetch(`${app.url}/livez`);
        assert.equal(live.status, 200);
        assert.deepEqual(await live.json(), { status: 'ok' });
      }
      await stalled;
      await until(async () => (await fetch(`${instances[0]!.url}/healthz`)).status === 200, '/healthz 200 again');
    } finally {
      client.disconnect();
    }
  });

  it('a retry whose first claim was never settled waits REPLY_TIMEOUT_MS at most, then gets success', async () => {
    const { Redis } = await import('ioredis');
    const client = new Redis(redis.url);
    const quick = await startApp({ ...fake.env(), REDIS_URL: redis.url, REPLY_TIMEOUT_MS: '1000' });
    try {
      await untilRedisReady(quick);
      const xml = textXml('orphaned claim');
      // An instance that claimed the message and died before answering.
      await client.set(`wechat:${fake.appId}:retry:${retryKeyOf(toMessage(parseXml(xml)))}`, 'pending', 'PX', 60_000);
      const started = Date.now();
      const response = await postToWebhook(quick.url, xml);
      const elapsed = Date.now() - started;
      assert.equal(await response.text(), 'success');
      // The deadline, behaviour not speed: WeChat waits 5 s and the default REPLY_TIMEOUT_MS
      // is 4.5 s, so a reply later than REPLY_TIMEOUT_MS by 500 ms is lost. (The old store
      // waited the deadline plus 500 ms, then more while polling.)
      assert.ok(elapsed < 1000 + 500, `answered after ${elapsed} ms`);
    } finally {
      client.disconnect();
      await quick.close();
    }
  });

  it('Redis restarted empty: a message resent to the same instance does not run its handler again', async () => {
    const a = instances[0]!;
    const xml = textXml('before a restart');
    const first = await (await postToWebhook(a.url, xml)).text();
    await redis.stop();
    await redis.start();
    await until(async () => (await fetch(`${a.url}/healthz`)).status === 200, 'Redis back, empty');
    const again = await (await postToWebhook(a.url, xml, signedQuery())).text();
    assert.equal(again, first);
    assert.equal(runs.get('before a restart'), 1);
  });

  it('Redis stopped: messages still answered, /healthz 503, one warning; restarted: shared again', async () => {
    const [a, b] = instances as [RunningApp, RunningApp, RunningApp];
    const unreachable = () => a.logs.filter((line) => line.level === 40 && String(line.msg).startsWith('Redis is unreachable')).length;
    const warningsBefore = unreachable();
    await redis.stop();
    await until(async () => (await fetch(`${a.url}/healthz`)).status === 503, '/healthz 503');
    const health = await fetch(`${b.url}/healthz`);
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), { status: 'degraded', down: ['redis'] });

    for (let i = 0; i < 5; i++) {
      const reply = readReply(await (await postToWebhook(instances[i % 3]!.url, textXml(`during the outage ${i}`))).text());
      assert.equal(reply.Content, `during the outage ${i} (run 1)`);
    }
    // Retries on the same instance are still recognised, in memory.
    const xml = textXml('retried during the outage');
    await postToWebhook(a.url, xml);
    await postToWebhook(a.url, xml);
    assert.equal(runs.get('retried during the outage'), 1);
    // The token falls back to the process too.
    assert.equal((await qrcode(a, 77)).status, 200);
    assert.equal(unreachable() - warningsBefore, 1, 'one warning per outage');

    await redis.start();
    await until(
      async () => (await Promise.all(instances.map(async (app) => (await fetch(`${app.url}/healthz`)).status))).every((s) => s === 200),
      'Redis back',
    );
    const again = textXml('after the outage');
    const first = await (await postToWebhook(a.url, again)).text();
    const second = await (await postToWebhook(b.url, again)).text();
    assert.equal(second, first);
    assert.equal(runs.get('after the outage'), 1);
    assert.ok(a.logs.some((line) => String(line.msg).startsWith('Redis is reachable again')));
  });
});

describeWithRedis('start-up with REDIS_URL and Redis down', () => {
  it('starts, answers messages, and says 503 on /healthz', async () => {
    const redis = await PrivateRedis.start();
    const url = redis.url;
    await redis.stop();
    const app = await startApp({ REDIS_URL: url });
    try {
      const reply = readReply(await (await postToWebhook(app.url, textXml('no redis'))).text());
      assert.equal(reply.Content, 'no redis');
      assert.equal((await fetch(`${app.url}/healthz`)).status, 503);
    } finally {
      await app.close();
    }
  });
});
