import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { consoleSignIn } from '../helpers/console-session.js';
import { until } from '../helpers/until.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { startApp, untilRedisReady, type RunningApp } from '../helpers/start-app.js';

// Console sessions live in Redis with REDIS_URL: any instance serves them, and neither
// the id nor the token is a key or a value there.

const ADMIN = 'console-redis-admin-token-01';

describeWithRedis('console sessions across instances (Redis)', () => {
  let redis: PrivateRedis;
  let a: RunningApp;
  let b: RunningApp;
  let dir: string;
  before(async () => {
    redis = await PrivateRedis.start();
    dir = mkdtempSync(join(tmpdir(), 'console-instances-'));
    writeFileSync(join(dir, 'replies.yaml'), 'message: 第一版\n');
    const env = { REDIS_URL: redis.url, ADMIN_TOKEN: ADMIN, REPLIES_FILE: join(dir, 'replies.yaml') };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    await untilRedisReady(a, b);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a session opened on one instance works on the other, and sign-out there ends it on both', async () => {
    const { cookie } = await consoleSignIn(a.url, ADMIN);
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

  it('the console shows which version of the replies file each instance serves, and both move to a version saved on one', async () => {
    const { cookie, csrf } = await consoleSignIn(a.url, ADMIN);
    type Listing = { onDisk: string; instances: { id: string; pid: number; replies: string | null }[] };
    const listing = async (): Promise<Listing> =>
      (await (await fetch(`${a.url}/console/api/instances`, { headers: { Cookie: cookie } })).json()) as Listing;
    const first = createHash('sha256').update('message: 第一版\n').digest('hex');
    await until(async () => (await listing()).instances.length === 2, 'both instances reported', 15_000);
    const before = await listing();
    assert.equal(before.onDisk, first);
    assert.deepEqual(
      before.instances.map((instance) => instance.replies),
      [first, first],
    );

    const next = 'message: 第二版\n';
    const saved = await fetch(`${a.url}/console/api/replies`, {
      method: 'PUT',
      headers: { Cookie: cookie, 'X-CSRF-Token': csrf, 'Content-Type': 'application/json' },
      body: JSON.stringify({ source: next, baseHash: first }),
    });
    assert.equal(saved.status, 200);
    const second = createHash('sha256').update(next).digest('hex');
    await until(
      async () => {
        const now = await listing();
        return now.onDisk === second && now.instances.length === 2 && now.instances.every((instance) => instance.replies === second);
      },
      'both instances serve the saved version',
      20_000,
    );
  });

  // Last: it stops this suite's Redis.
  it('with Redis down, a request of a signed-in console is refused with 503 and Retry-After, never a 500', async () => {
    const { cookie } = await consoleSignIn(a.url, ADMIN);
    await redis.stop();
    for (const app of [a, b]) {
      const response = await fetch(`${app.url}/console/api/session`, { headers: { Cookie: cookie } });
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), '1');
      assert.match(await response.text(), /Redis/);
    }
  });
});
