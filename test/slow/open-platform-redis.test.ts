import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { runProgram } from '../helpers/run-program.js';
import { startApp, untilRedisReady, type RunningApp } from '../helpers/start-app.js';
import { until } from '../helpers/until.js';

const menuCommand = fileURLToPath(new URL('../../src/cli/menu.ts', import.meta.url));
const example = readFileSync(new URL('../../menu.example.json', import.meta.url), 'utf8');

describeWithRedis('the open platform across instances (Redis)', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let fake: FakeWeChat;
  let a: RunningApp;
  let b: RunningApp;
  let env: Record<string, string>;
  const prefix = () => `wechat:open:${fake.component.appId}:`;

  before(async () => {
    redis = await PrivateRedis.start();
    client = new Redis(redis.url);
    fake = await new FakeWeChat().start();
    env = { ...fake.env(), ...fake.component.env(), REDIS_URL: redis.url, WECHAT_TOKEN: '' };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    await untilRedisReady(a, b);
  });
  after(async () => {
    await Promise.all([a?.close(), b?.close()]);
    client?.disconnect();
    await fake?.stop();
    await redis?.stop();
  });

  /** Every value Redis holds, as text, to search for what must not be there. */
  async function everything(): Promise<string> {
    const keys = await client.keys('*');
    const values = await Promise.all(
      keys.map(async (key) => {
        const type = await client.type(key);
        if (type === 'hash') return JSON.stringify(await client.hgetall(key));
        if (type === 'set') return JSON.stringify(await client.smembers(key));
        return String(await client.get(key));
      }),
    );
    return [...keys, ...values].join('\n');
  }

  it('asks WeChat for a push once for both instances, and warns that this Redis keeps nothing across a restart', async () => {
    await until(async () => fake.component.pushRequests > 0, 'a push request');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(fake.component.pushRequests, 1);
    await until(async () => a.logText().includes('Redis has no persistence'), 'the persistence warning');
  });

  it('a ticket pushed to one instance serves the other; one component token for both', async () => {
    const ticket = await fake.component.pushTicket(a.url);
    assert.equal(await client.hget(`${prefix()}ticket`, 'value'), ticket);
    const first = await fake.component.push(
      b.url,
      fake.component.authorizationXml('authorized', 'wx_shared', fake.component.newCode('wx_shared')),
    );
    assert.deepEqual(first, { status: 200, text: 'success' });
    const second = await fake.component.push(
      a.url,
      fake.component.authorizationXml('updateauthorized', 'wx_shared', fake.component.newCode('wx_shared')),
    );
    assert.deepEqual(second, { status: 200, text: 'success' });
    assert.equal(fake.count('/cgi-bin/component/api_component_token'), 1);
    assert.deepEqual(await client.smembers(`${prefix()}authorizers`), ['wx_shared']);
  });

  it('keeps no refresh token, secret or key in the clear in Redis', async () => {
    const stored = await everything();
    const refresh = fake.component.refreshTokens.get('wx_shared');
    assert.ok(refresh !== undefined && !stored.includes(refresh));
    assert.ok(!stored.includes(fake.component.secret));
    assert.ok(!stored.includes(fake.component.aesKey));
  });

  it('npm run menu --account <appid> calls with the authorizer token the servers stored: no component token nor refresh fetched', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'open-cli-redis-'));
    writeFileSync(join(dir, 'accounts.yaml'), 'accounts:\n  - appid: wx_shared\n    menu_file: menu.json\n');
    writeFileSync(join(dir, 'menu.json'), example);
    const stored = await client.get(`${prefix()}authorizer:wx_shared:access_token`);
    assert.equal(fake.ownerOf(stored ?? undefined), 'wx_shared');
    const fetches = () => [fake.count('/cgi-bin/component/api_component_token'), fake.count('/cgi-bin/component/api_authorizer_token')];
    const before = fetches();
    const pushed = await runProgram(menuCommand, ['push', '--account', 'wx_shared'], {
      env: { ...env, ACCOUNTS_FILE: 'accounts.yaml' },
      cwd: dir,
    });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stderr, '');
    const creates = fake.callsTo('/cgi-bin/menu/create');
    assert.equal(creates.length, 1);
    assert.equal(creates[0]?.query.access_token, stored);
    assert.deepEqual(fetches(), before);
  });

  it('a restart keeps the ticket and the accounts', async () => {
    await Promise.all([a.close(), b.close()]);
    // The component token gone too: the new instance must fetch one with the stored ticket.
    await client.del(`${prefix()}component_token`);
    a = await startApp(env);
    b = await startApp(env);
    await untilRedisReady(a, b);
    const fetches = fake.count('/cgi-bin/component/api_component_token');
    const answer = await fake.component.push(
      a.url,
      fake.component.authorizationXml('authorized', 'wx_second', fake.component.newCode('wx_second')),
    );
    assert.deepEqual(answer, { status: 200, text: 'success' });
    assert.equal(fake.count('/cgi-bin/component/api_component_token'), fetches + 1);
    assert.deepEqual((await client.smembers(`${prefix()}authorizers`)).sort(), ['wx_second', 'wx_shared']);
    assert.equal(await client.hget(`${prefix()}authorizer:wx_shared`, 'needs_reauth'), '0');
  });

  it('unauthorized, at either instance, drops the account for both', async () => {
    assert.equal((await fake.component.push(b.url, fake.component.unauthorizationXml('wx_shared'))).text, 'success');
    assert.deepEqual(await client.smembers(`${prefix()}authorizers`), ['wx_second']);
    assert.equal(await client.exists(`${prefix()}authorizer:wx_shared`), 0);
  });

  it('logs none of the secret, the key, the tickets, the tokens or the refresh tokens', () => {
    const logs = `${a.logText()}\n${b.logText()}`;
    for (const secret of fake.component.secrets()) assert.ok(!logs.includes(secret), `the logs hold ${secret.slice(0, 12)}…`);
  });
});
