import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, it } from 'node:test';
import { TICKET_PATH } from '../helpers/fake-jsapi-ticket.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { startApp, type RunningApp, untilRedisReady } from '../helpers/start-app.js';

const PAGE = 'https://shop.example.com/';

interface ConfigAnswer {
  timestamp: number;
  nonceStr: string;
  signature: string;
}

describeWithRedis('one jsapi ticket for every instance (Redis)', () => {
  let redis: PrivateRedis;
  let fake: FakeWeChat;
  let instances: RunningApp[];

  const sign = (app: RunningApp) => fetch(`${app.url}/jssdk/config?url=${encodeURIComponent(PAGE)}`);
  async function redisClient() {
    const { Redis } = await import('ioredis');
    return new Redis(redis.url);
  }
  const ticketKey = () => `wechat:${fake.appId}:jsapi_ticket`;

  before(async () => {
    redis = await PrivateRedis.start();
    fake = await new FakeWeChat().start();
    instances = await Promise.all(
      [1, 2, 3].map(() => startApp({ ...fake.env(), REDIS_URL: redis.url, JSSDK_DOMAINS: 'shop.example.com' })),
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

  it('50 concurrent calls over three instances on a cold cache make one ticket fetch, under its own key', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, (_, i) => sign(instances[i % 3]!)));
    assert.deepEqual([...new Set(responses.map((r) => r.status))], [200]);
    assert.equal(fake.count(TICKET_PATH), 1);
    assert.equal(fake.tokenFetches(), 1);
    const ticket = fake.jsapi.latest();
    for (const response of responses) {
      const body = (await response.json()) as ConfigAnswer;
      const expected = createHash('sha1')
        .update(`jsapi_ticket=${ticket}&noncestr=${body.nonceStr}&timestamp=${body.timestamp}&url=${PAGE}`)
        .digest('hex');
      assert.equal(body.signature, expected);
    }
    const client = await redisClient();
    try {
      assert.equal(await client.get(ticketKey()), ticket);
      assert.ok((await client.pttl(ticketKey())) > 0);
      assert.notEqual(await client.get(`wechat:${fake.appId}:access_token`), ticket);
      assert.equal(await client.exists(`${ticketKey()}:lock`), 0, 'the lock was released');
    } finally {
      client.disconnect();
    }
  });

  it('an empty value in Redis is never taken as the ticket', async () => {
    const client = await redisClient();
    try {
      await client.set(ticketKey(), '', 'PX', 3_600_000);
      // A fresh instance has no ticket of its own in memory.
      const fresh = await startApp({ ...fake.env(), REDIS_URL: redis.url, JSSDK_DOMAINS: 'shop.example.com' });
      try {
        await untilRedisReady(fresh);
        assert.equal((await sign(fresh)).status, 200);
        assert.equal(fake.count(TICKET_PATH), 1);
        assert.equal(await client.get(ticketKey()), fake.jsapi.latest());
      } finally {
        await fresh.close();
      }
    } finally {
      client.disconnect();
    }
  });

  it('Redis down: an instance without a ticket fetches its own (degraded) and signs', async () => {
    await redis.stop();
    try {
      const fresh = await startApp({ ...fake.env(), REDIS_URL: redis.url, JSSDK_DOMAINS: 'shop.example.com' });
      try {
        assert.equal((await fetch(`${fresh.url}/healthz`)).status, 503);
        const response = await sign(fresh);
        assert.equal(response.status, 200);
        assert.equal(fake.count(TICKET_PATH), 1);
        assert.equal((await sign(fresh)).status, 200);
        assert.equal(fake.count(TICKET_PATH), 1, 'kept in the process meanwhile');
      } finally {
        await fresh.close();
      }
    } finally {
      await redis.start();
    }
  });
});
