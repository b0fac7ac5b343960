import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createWeChatSide } from '../src/testing.js';
import { writeHelloArticle } from './helpers/article-files.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';

const ADMIN_TOKEN = 'api-articles-admin-secret-93c1';
const TEST_OPENID = 'oTester_000000000000000000001';

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

describe('/api/articles', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let dir: string;
  const call = async (method: string, path: string, body?: unknown): Promise<Answer> => {
    const response = await fetch(`${app.url}/api/articles${path}`, {
      method,
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown>, headers: response.headers };
  };

  before(async () => {
    fake = await new FakeWeChat().start();
    dir = mkdtempSync(join(tmpdir(), 'api-articles-'));
    writeHelloArticle(dir);
    app = await startApp({
      ...fake.env(),
      ADMIN_TOKEN,
      ARTICLES_DIR: join(dir, 'articles'),
      ARTICLES_STATE_FILE: join(dir, '.wechat-articles.json'),
    });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });

  it('needs the admin token', async () => {
    const response = await fetch(`${app.url}/api/articles/check`, { method: 'POST' });
    assert.equal(response.status, 401);
  });

  it('refuses a file outside ARTICLES_DIR, and one that is not Markdown', async () => {
    for (const file of ['../secret.md', '/etc/passwd.md', 'images/one.png']) {
      const answer = await call('POST', '/check', { file });
      assert.equal(answer.status, 400, file);
      assert.equal(answer.body.field, 'file');
    }
    const missing = await call('POST', '/draft', { file: 'nowhere.md' });
    assert.equal(missing.status, 422);
    assert.doesNotMatch(String(missing.body.error), new RegExp(dir));
  });

  it('draft, preview, mass once, and status from the recorded MASSSENDJOBFINISH', async () => {
    const checked = await call('POST', '/check', { file: 'hello.md' });
    assert.equal(checked.status, 200);
    assert.deepEqual(checked.body.problems, []);

    const drafted = await call('POST', '/draft', { file: 'hello.md' });
    assert.equal(drafted.status, 200, JSON.stringify(drafted.body));
    assert.equal(drafted.body.action, 'added');
    assert.equal(drafted.body.images_uploaded, 2);
    const again = await call('POST', '/draft', { file: 'hello.md' });
    assert.equal(again.body.action, 'updated');
    assert.equal(again.body.media_id, drafted.body.media_id);
    assert.equal(again.body.images_uploaded, 0);

    const unpreviewed = await call('POST', '/mass', { file: 'hello.md', to: 'all' });
    assert.equal(unpreviewed.status, 409);
    assert.equal(unpreviewed.body.reason, 'no-preview');

    assert.equal((await call('POST', '/preview', { file: 'hello.md', to: TEST_OPENID })).status, 200);
    const sent = await call('POST', '/mass', { file: 'hello.md', to: 'tag:3' });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    const [msgId] = sent.body.msg_ids as string[];
    assert.ok(msgId !== undefined);

    await call('POST', '/draft', { file: 'hello.md' });
    const repeated = await call('POST', '/mass', { file: 'hello.md', to: 'tag:3' });
    assert.equal(repeated.status, 409);
    assert.equal(repeated.body.reason, 'repeated');
    assert.equal(fake.publishing.massSends.length, 1);

    const side = createWeChatSide({ token: TEST_TOKEN });
    const signed = side.signRequest(
      fake.publishing.finishMass(msgId, { status: 'send success', totalCount: 10, filterCount: 9, sentCount: 9, errorCount: 0 }),
    );
    assert.equal((await fetch(`${app.url}/wechat?${signed.query}`, { method: 'POST', body: signed.body })).status, 200);
    let status = await call('GET', `/status/${msgId}`);
    for (let tries = 0; tries < 20 && status.body.source !== 'event'; tries++) status = await call('GET', `/status/${msgId}`);
    assert.equal(status.status, 200);
    assert.equal(status.body.source, 'event');
    assert.equal(status.body.status, 'send success');
    assert.match((status.body.lines as string[])[0] ?? '', /sent 9/);
  });

  it('WeChat’s refusals: 48001 is 403 with its explanation, 45066 is 429 with Retry-After', async () => {
    fake.publishing.permissionDenied = true;
    const denied = await call('POST', '/draft', { file: 'hello.md' });
    fake.publishing.permissionDenied = false;
    assert.equal(denied.status, 403);
    assert.equal(denied.body.errcode, 48001);
    assert.match(String(denied.body.error), /unverified/);

    writeHelloArticle(dir, { title: 'Another one' });
    await call('POST', '/draft', { file: 'hello.md' });
    await call('POST', '/preview', { file: 'hello.md', to: TEST_OPENID });
    fake.on('/cgi-bin/message/mass/sendall', { errcode: 45066, errmsg: 'clientmsgid retry too fast' });
    const fast = await call('POST', '/mass', { file: 'hello.md', to: 'all' });
    assert.equal(fast.status, 429);
    assert.equal(fast.headers.get('retry-after'), '60');
    const retried = await call('POST', '/mass', { file: 'hello.md', to: 'all' });
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
  });

  it('a mass body is checked before WeChat is called', async () => {
    const before = fake.calls.length;
    const wrong = await call('POST', '/mass', { file: 'hello.md', to: 'everyone' });
    assert.equal(wrong.status, 400);
    const both = await call('POST', '/mass', { file: 'hello.md', media_id: 'X', to: 'all' });
    assert.equal(both.status, 400);
    assert.equal(fake.calls.length, before);
  });
});
