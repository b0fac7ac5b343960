import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { startApp, untilRedisReady, type RunningApp } from '../helpers/start-app.js';

// Console sessions live in Redis with REDIS_URL: any instance serves them, and neither
// the id nor the token is a key or a value there.

const ADMIN = 'console-redis-admin-token-01';

describeWithRedis('console sessions across instances (Redis)', () => {
  let redis: PrivateRedis;
  let a: RunningApp;
  let b: RunningApp;
  before(async () => {
    redis = await PrivateRedis.start();
    const env = { REDIS_URL: redis.url, ADMIN_TOKEN: ADMIN };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    await untilRedisReady(a, b);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
  });

  it('a session opened on one instance works on the other, and sign-out there ends it on both', async () => {
    const login = await fetch(`${a.url}/console/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: ADMIN }).toString(),
    });
    assert.equal(login.status, 303);
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    const id = cookie.split('=')[1] ?? '';
    const onB = await fetch(`${b.url}/console/api/session`, { headers: { Cookie: cookie } });
    assert.equal(onB.status, 200);
    const { csrfToken } = (await onB.json()) as { csrfToken: string };

    const stored = await redis.inspect(async (client) => {
      const keys = await client.keys('*');
      const values = await Promise.all(keys.map((key) => client.get(key)));
      return { keys, values };
    });
    assert.ok(
      stored.keys.some((key) => key.startsWith('wechat:console:session:')),
      stored.keys.join(' '),
    );
    const everything = [...stored.keys, ...stored.values].join('\n');
    assert.ok(!everything.includes(id), 'the session id is not kept, only its hash');
    assert.ok(!everything.includes(ADMIN), 'the token is not kept');

    const logout = await fetch(`${b.url}/console/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Cookie: cookie, 'X-CSRF-Token': csrfToken },
    });
    assert.equal(logout.status, 303);
    assert.equal((await fetch(`${a.url}/console/api/session`, { headers: { Cookie: cookie } })).status, 401);
  });
});
