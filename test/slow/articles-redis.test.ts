import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import { createWeChatSide } from '../../src/testing.js';
import { writeHelloArticle } from '../helpers/article-files.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { describeWithRedis, PrivateRedis } from '../helpers/redis-server.js';
import { runProgram } from '../helpers/run-program.js';
import { startApp, TEST_TOKEN, type RunningApp } from '../helpers/start-app.js';

const command = fileURLToPath(new URL('../../src/cli/articles.ts', import.meta.url));
const TEST_OPENID = 'oTester_000000000000000000001';

describeWithRedis('publishing with REDIS_URL: the records in Redis under the AppID, shared by the command and the servers', () => {
  let redis: PrivateRedis;
  let fake: FakeWeChat;
  let dir: string;
  let otherDir: string;
  let app: RunningApp;
  let env: Record<string, string>;

  before(async () => {
    redis = await PrivateRedis.start();
    fake = await new FakeWeChat().start();
    dir = mkdtempSync(join(tmpdir(), 'articles-redis-'));
    otherDir = mkdtempSync(join(tmpdir(), 'articles-redis-other-'));
    writeHelloArticle(dir);
    env = { ...fake.env(), REDIS_URL: redis.url };
    app = await startApp({ ...env, ADMIN_TOKEN: 'articles-redis-admin-1f0e', ARTICLES_DIR: join(dir, 'articles') });
  });
  after(async () => {
    await app.close();
    await fake.stop();
    await redis.stop();
  });

  it('a draft by the command, a mass send through /api refused twice, the report recorded by the server, read by the command', async () => {
    const drafted = await runProgram(command, ['draft', 'articles/hello.md'], { env, cwd: dir });
    assert.equal(drafted.code, 0, drafted.stderr);
    assert.equal(existsSync(join(dir, '.wechat-articles.json')), false, 'no state file with Redis');
    const keys = await redis.inspect((client) => client.keys('*articles*'));
    assert.ok(keys.includes(`wechat:${fake.appId}:articles:drafts`), keys.join(' '));
    assert.ok(keys.includes(`wechat:${fake.appId}:articles:images`));

    const previewed = await runProgram(command, ['preview', 'articles/hello.md', '--to', TEST_OPENID], { env, cwd: dir });
    assert.equal(previewed.code, 0, previewed.stderr);
    const api = (body: unknown) =>
      fetch(`${app.url}/api/articles/mass`, {
        method: 'POST',
        headers: { Authorization: 'Bearer articles-redis-admin-1f0e', 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
    const sent = await api({ file: 'hello.md', to: 'all' });
    assert.equal(sent.status, 200);
    const { msg_ids: msgIds } = (await sent.json()) as { msg_ids: string[] };
    const msgId = msgIds[0] ?? '';

    // Another checkout of the same article (its own path) drafts anew; the content is the same: refused.
    writeHelloArticle(otherDir);
    assert.equal((await runProgram(command, ['draft', 'articles/hello.md'], { env, cwd: otherDir })).code, 0);
    const repeated = await runProgram(command, ['mass', 'articles/hello.md', '--to', 'all'], { env, cwd: otherDir });
    assert.equal(repeated.code, 1);
    assert.match(repeated.stderr, /before/);
    assert.equal(fake.publishing.massSends.length, 1);

    const side = createWeChatSide({ token: TEST_TOKEN });
    const signed = side.signRequest(
      fake.publishing.finishMass(msgId, { status: 'err(30003)', totalCount: 5, filterCount: 5, sentCount: 0, errorCount: 5 }),
    );
    assert.equal((await fetch(`${app.url}/wechat?${signed.query}`, { method: 'POST', body: signed.body })).status, 200);
    let status = await runProgram(command, ['status', msgId], { env, cwd: otherDir });
    for (let tries = 0; tries < 20 && !/err\(30003\)/.test(status.stdout); tries++) {
      status = await runProgram(command, ['status', msgId], { env, cwd: otherDir });
    }
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /err\(30003\)/);
    assert.match(status.stdout, /--allow-reprint/);
  });
});
