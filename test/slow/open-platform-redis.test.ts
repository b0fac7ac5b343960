import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { createLogger } from '../../src/core/logger.js';
import { connectRedis, type RedisConnection } from '../../src/redis/connection.js';
import { createRedisOpenPlatformState, escapeGlob } from '../../src/redis/redis-open-platform-state.js';
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

  it('unauthorized, at either instance, drops the account for both, and every key under its prefix', async () => {
    // What the account's stores keep (keyspaceOf): some with a TTL, some without.
    const own = [`session:gh_shared:o_1`, `reach:o_1`, `grants:o_1`, `media:file-1`, `jsapi_ticket`].map(
      (key) => `${prefix()}authorizer:wx_shared:${key}`,
    );
    const others = [`${prefix()}authorizer:wx_second:session:gh_second:o_1`, `${prefix()}authorizer:wx_shared_too:reach:o_1`];
    for (const key of [...own, ...others]) await client.set(key, '1');
    await client.pexpire(own[0]!, 60_000);
    assert.equal((await fake.component.push(b.url, fake.component.unauthorizationXml('wx_shared'))).text, 'success');
    assert.deepEqual(await client.smembers(`${prefix()}authorizers`), ['wx_second']);
    assert.equal(await client.exists(`${prefix()}authorizer:wx_shared`), 0);
    assert.deepEqual(await client.keys(`${prefix()}authorizer:wx_shared:*`), []);
    assert.equal(await client.exists(...others), others.length);
    assert.ok(await client.exists(`${prefix()}authorizer:wx_second`));
  });

  it('logs none of the secret, the key, the tickets, the tokens or the refresh tokens', () => {
    const logs = `${a.logText()}\n${b.logText()}`;
    for (const secret of fake.component.secrets()) assert.ok(!logs.includes(secret), `the logs hold ${secret.slice(0, 12)}…`);
  });
});

describeWithRedis('deleteAuthorizer sweeps the account’s keys (Redis)', () => {
  let redis: PrivateRedis;
  let connection: RedisConnection;
  let client: Redis;
  const warnings: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        const entry = JSON.parse(line) as { level: number; msg: string };
        if (entry.level === 40) warnings.push(entry.msg);
      }
      callback();
    },
  });
  const logger = createLogger('debug', sink);

  before(async () => {
    redis = await PrivateRedis.start();
    connection = connectRedis(redis.url, createLogger('silent'));
    client = new Redis(redis.url);
    await until(() => connection.healthy(), 'Redis ready');
  });
  after(async () => {
    await connection?.close();
    client?.disconnect();
    await redis?.stop();
  });

  /** `count` keys under `prefix`, written in one pipeline. */
  const write = async (prefix: string, count: number): Promise<void> => {
    const pipeline = client.pipeline();
    for (let i = 0; i < count; i++) pipeline.set(`${prefix}${i}`, '1');
    await pipeline.exec();
  };

  it('escapes the glob characters of the component AppID and the AppID: nothing they would match is deleted', async () => {
    const state = createRedisOpenPlatformState(connection, 'wx_c*', { logger });
    await write('wechat:open:wx_c*:authorizer:wx_[ab]:', 3);
    // What `wechat:open:wx_c*:authorizer:wx_[ab]:*` would match unescaped.
    await write('wechat:open:wx_cX:authorizer:wx_[ab]:', 2);
    await write('wechat:open:wx_c*:authorizer:wx_a:', 2);
    await write('wechat:open:wx_c*:authorizer:wx_?ab]:', 2);
    await state.deleteAuthorizer('wx_[ab]');
    assert.deepEqual(await client.keys('wechat:open:wx_c\\*:authorizer:wx_\\[ab\\]:*'), []);
    assert.equal((await client.keys('wechat:open:wx_c?:authorizer:*')).length, 6);
    assert.equal(escapeGlob('a*b?c[d]e\\f'), 'a\\*b\\?c\\[d\\]e\\\\f');
  });

  it('deletes in batches, and stops at its bound of keys with a warning, leaving the rest', async () => {
    await client.flushdb();
    warnings.length = 0;
    const prefix = 'wechat:open:wx_bounded:authorizer:wx_many:';
    await write(prefix, 1_200);
    await write('wechat:open:wx_bounded:authorizer:wx_other:', 50);
    await createRedisOpenPlatformState(connection, 'wx_bounded', { logger, sweep: { maxKeys: 1_000 } }).deleteAuthorizer('wx_many');
    assert.equal((await client.keys(`${prefix}*`)).length, 200);
    assert.equal((await client.keys('wechat:open:wx_bounded:authorizer:wx_other:*')).length, 50);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0] ?? '', /not all deleted \(1000 keys reached\)/);
    // Unbounded, the next sweep deletes the rest, and warns of nothing.
    await createRedisOpenPlatformState(connection, 'wx_bounded', { logger }).deleteAuthorizer('wx_many');
    assert.deepEqual(await client.keys(`${prefix}*`), []);
    assert.equal(warnings.length, 1);
  });

  it('stops at its bound of time with a warning', async () => {
    warnings.length = 0;
    const prefix = 'wechat:open:wx_slow:authorizer:wx_many:';
    await write(prefix, 5_000);
    await createRedisOpenPlatformState(connection, 'wx_slow', { logger, sweep: { maxMs: 0 } }).deleteAuthorizer('wx_many');
    const left = (await client.keys(`${prefix}*`)).length;
    assert.ok(left > 0 && left < 5_000, `${left} keys left`);
    assert.match(warnings[0] ?? '', /not all deleted \(0 ms reached\)/);
  });
});
