import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createWeChatSide } from '../../src/testing.js';
import { writeHelloArticle } from '../helpers/article-files.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { runProgram } from '../helpers/run-program.js';
import { startApp, TEST_TOKEN } from '../helpers/start-app.js';

const command = fileURLToPath(new URL('../../src/cli/articles.ts', import.meta.url));

const UPLOADIMG = '/cgi-bin/media/uploadimg';
const ADD_MATERIAL = '/cgi-bin/material/add_material';
const DRAFT_ADD = '/cgi-bin/draft/add';
const DRAFT_UPDATE = '/cgi-bin/draft/update';
const SENDALL = '/cgi-bin/message/mass/sendall';
const SEND = '/cgi-bin/message/mass/send';
const PREVIEW = '/cgi-bin/message/mass/preview';
const SUBMIT = '/cgi-bin/freepublish/submit';

const TEST_OPENID = 'oTester_000000000000000000001';

describe('npm run articles, against the fake WeChat', () => {
  let fake: FakeWeChat;
  let dir: string;
  let env: Record<string, string>;
  let article: string;
  const run = (...args: string[]) => runProgram(command, args, { env, cwd: dir });
  /** `draft` of the article, which must succeed. */
  const drafted = async (): Promise<string> => {
    const result = await run('draft', article);
    assert.equal(result.code, 0, result.stderr);
    const mediaId = /draft (\S+) (added|updated)/.exec(result.stdout)?.[1];
    assert.ok(mediaId !== undefined, result.stdout);
    return mediaId;
  };

  beforeEach(async () => {
    fake = await new FakeWeChat().start();
    dir = mkdtempSync(join(tmpdir(), 'articles-'));
    env = fake.env();
    article = writeHelloArticle(dir);
  });
  afterEach(() => fake.stop());

  it('draft: two local images and the cover uploaded once, WeChat-safe HTML; a second run updates the same draft without uploading again', async () => {
    const first = await run('draft', article);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /draft DRAFT_\S+ added \(2 images uploaded, 0 reused, cover uploaded\)/);
    assert.equal(fake.count(UPLOADIMG), 2);
    assert.equal(fake.count(ADD_MATERIAL), 1);
    const [added] = fake.callsTo(DRAFT_ADD);
    const sent = (added?.body as { articles: Record<string, unknown>[] }).articles[0];
    assert.ok(sent !== undefined);
    assert.equal(sent.title, 'Hello from git');
    assert.equal(sent.author, '小明');
    assert.equal(sent.need_open_comment, 1);
    const html = String(sent.content);
    assert.doesNotMatch(html, /class=|<script|<style/);
    assert.match(html, /style="/);
    const srcs = [...html.matchAll(/<img[^>]* src="([^"]+)"/g)].map((match) => match[1]);
    assert.equal(srcs.length, 2);
    for (const src of srcs) assert.match(src ?? '', /^http:\/\/mmbiz\.qpic\.cn\//);
    const mediaId = /draft (\S+) added/.exec(first.stdout)?.[1] ?? '';
    assert.ok(fake.publishing.drafts.has(mediaId));

    const second = await run('draft', article);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stdout, new RegExp(`draft ${mediaId} updated \\(0 images uploaded, 2 reused, cover reused\\)`));
    assert.equal(fake.count(UPLOADIMG), 2, 'no image uploaded again');
    assert.equal(fake.count(ADD_MATERIAL), 1, 'the cover not uploaded again');
    assert.equal(fake.count(DRAFT_ADD), 1);
    assert.equal(fake.count(DRAFT_UPDATE), 1);
    assert.equal((fake.callsTo(DRAFT_UPDATE)[0]?.body as { media_id: string }).media_id, mediaId);
    // The records are the state file's, in the working directory, not readable by others.
    assert.equal(statSync(join(dir, '.wechat-articles.json')).mode & 0o077, 0);
  });

  it('draft --check: the limits, offline', async () => {
    writeHelloArticle(dir, { title: '标'.repeat(33) });
    const checked = await run('draft', '--check', article);
    assert.equal(checked.code, 1);
    assert.match(checked.stderr, /title/);
    assert.equal(fake.calls.length, 0, 'WeChat is not called');
    writeHelloArticle(dir, { title: '标'.repeat(32) });
    const ok = await run('draft', '--check', article);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(fake.calls.length, 0);
  });

  it('mass: refused without a preview of the same content, sent once after one, and refused the second time', async () => {
    const mediaId = await drafted();
    const refused = await run('mass', article, '--to', 'all');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /preview/);
    assert.equal(fake.count(SENDALL), 0);

    const previewed = await run('preview', article, '--to', TEST_OPENID);
    assert.equal(previewed.code, 0, previewed.stderr);
    assert.deepEqual(fake.callsTo(PREVIEW)[0]?.body, { touser: TEST_OPENID, mpnews: { media_id: mediaId }, msgtype: 'mpnews' });

    const sent = await run('mass', article, '--to', 'all');
    assert.equal(sent.code, 0, sent.stderr);
    assert.match(sent.stdout, /4 times a month/);
    assert.match(sent.stdout, /msg_id \d+/);
    const body = fake.callsTo(SENDALL)[0]?.body as Record<string, unknown>;
    assert.deepEqual(body.filter, { is_to_all: true });
    assert.equal(body.send_ignore_reprint, 0);
    assert.match(String(body.clientmsgid), /^[0-9a-f]{64}$/);

    // The draft was consumed: drafting again adds a new one, of the same content.
    const again = await run('draft', article);
    assert.match(again.stdout, /added/);
    const repeated = await run('mass', article, '--to', 'all');
    assert.equal(repeated.code, 1);
    assert.match(repeated.stderr, /before/);
    assert.equal(fake.count(SENDALL), 1, 'not sent twice');

    const deliberate = await run('mass', article, '--to', 'all', '--again', '--allow-reprint');
    assert.equal(deliberate.code, 0, deliberate.stderr);
    const second = fake.callsTo(SENDALL)[1]?.body as Record<string, unknown>;
    assert.notEqual(second.clientmsgid, body.clientmsgid);
    assert.equal(second.send_ignore_reprint, 1);
  });

  it('mass: a changed article needs its draft and a preview again', async () => {
    await drafted();
    assert.equal((await run('preview', article, '--to', TEST_OPENID)).code, 0);
    writeHelloArticle(dir, { title: 'Hello, changed' });
    const stale = await run('mass', article, '--to', 'all');
    assert.equal(stale.code, 1);
    assert.match(stale.stderr, /changed since its draft/);
    await drafted();
    const unpreviewed = await run('mass', article, '--to', 'all');
    assert.equal(unpreviewed.code, 1);
    assert.match(unpreviewed.stderr, /preview/);
    assert.equal(fake.count(SENDALL), 0);
  });

  it('mass by media_id: a preview made before the draft was updated does not cover the new content', async () => {
    const mediaId = await drafted();
    assert.equal((await run('preview', mediaId, '--to', TEST_OPENID)).code, 0);
    writeHelloArticle(dir, { title: 'Hello, changed' });
    assert.equal(await drafted(), mediaId, 'the same draft, updated');
    const unpreviewed = await run('mass', mediaId, '--to', 'all');
    assert.equal(unpreviewed.code, 1);
    assert.match(unpreviewed.stderr, /preview/);
    assert.equal(fake.count(SENDALL), 0);
    assert.equal((await run('preview', mediaId, '--to', TEST_OPENID)).code, 0);
    const sent = await run('mass', mediaId, '--to', 'all');
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(fake.count(SENDALL), 1);
  });

  it('a file’s draft is known by its path from the working directory: another checkout with the same records updates it', async () => {
    const mediaId = await drafted();
    const other = mkdtempSync(join(tmpdir(), 'articles-checkout-'));
    const copy = writeHelloArticle(other);
    writeFileSync(join(other, '.wechat-articles.json'), readFileSync(join(dir, '.wechat-articles.json')), { mode: 0o600 });
    const result = await runProgram(command, ['draft', copy], { env, cwd: other });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`draft ${mediaId} updated \\(0 images uploaded, 2 reused, cover reused\\)`));
    assert.equal(fake.count(DRAFT_ADD), 1);
  });

  it('mass: WeChat’s own guard (45065) holds when this server’s records are lost', async () => {
    await drafted();
    await run('preview', article, '--to', TEST_OPENID);
    assert.equal((await run('mass', article, '--to', 'tag:7')).code, 0);
    assert.deepEqual((fake.callsTo(SENDALL)[0]?.body as { filter: unknown }).filter, { is_to_all: false, tag_id: 7 });
    writeFileSync(join(dir, '.wechat-articles.json'), '{"version":1,"accounts":{}}\n');
    fake.publishing.drafts.clear();
    await drafted();
    await run('preview', article, '--to', TEST_OPENID);
    const repeated = await run('mass', article, '--to', 'tag:7');
    assert.equal(repeated.code, 1);
    assert.match(repeated.stderr, /errcode 45065/);
    assert.match(repeated.stderr, /already took a mass send/);
    assert.equal(fake.publishing.massSends.length, 1);
  });

  it('mass to an openids file: mass/send with the list; a list of one is refused', async () => {
    await drafted();
    await run('preview', article, '--to', TEST_OPENID);
    writeFileSync(join(dir, 'one.txt'), `${TEST_OPENID}\n\n`);
    const one = await run('mass', article, '--to', 'one.txt');
    assert.equal(one.code, 1);
    assert.match(one.stderr, /single openid/);
    const openids = ['oUser_a_000000000000000000001', 'oUser_b_000000000000000000002', 'oUser_c_000000000000000000003'];
    writeFileSync(join(dir, 'three.txt'), `${openids.join('\n')}\n\n`);
    const three = await run('mass', article, '--to', 'three.txt');
    assert.equal(three.code, 0, three.stderr);
    assert.deepEqual((fake.callsTo(SEND)[0]?.body as { touser: string[] }).touser, openids);
  });

  it('WeChat’s refusals are explained in one line: 48001, 45028, 45009', async () => {
    fake.publishing.permissionDenied = true;
    const denied = await run('draft', article);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /errcode 48001/);
    assert.match(denied.stderr, /July 2025/);
    fake.publishing.permissionDenied = false;
    await drafted();
    await run('preview', article, '--to', TEST_OPENID);
    fake.publishing.massQuotaLeft = 0;
    const noQuota = await run('mass', article, '--to', 'all');
    assert.equal(noQuota.code, 1);
    assert.match(noQuota.stderr, /45028/);
    assert.match(noQuota.stderr, /quota/);
    fake.publishing.massQuotaLeft = Infinity;
    fake.on(SENDALL, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
    const daily = await run('mass', article, '--to', 'all');
    assert.equal(daily.code, 1);
    assert.match(daily.stderr, /daily quota/);
    // Refused outright: the send may be made once WeChat allows it.
    const later = await run('mass', article, '--to', 'all');
    assert.equal(later.code, 0, later.stderr);
  });

  it('submit and status: PUBLISHJOBFINISH recorded by the server, shown by the command', async () => {
    const app = await startApp({ ...env, ARTICLES_STATE_FILE: join(dir, '.wechat-articles.json') });
    try {
      await drafted();
      const submitted = await run('submit', article);
      assert.equal(submitted.code, 0, submitted.stderr);
      const publishId = /publish_id (\d+)/.exec(submitted.stdout)?.[1] ?? '';
      assert.equal(fake.count(SUBMIT), 1);
      const pending = await run('status', publishId);
      assert.equal(pending.code, 0, pending.stderr);
      assert.match(pending.stdout, /publish_status 1/);

      const side = createWeChatSide({ token: TEST_TOKEN });
      const signed = side.signRequest(fake.publishing.finishPublish(publishId, 0));
      const answer = await fetch(`${app.url}/wechat?${signed.query}`, { method: 'POST', body: signed.body });
      assert.equal(answer.status, 200);
      let status = await run('status', publishId);
      for (let tries = 0; tries < 20 && !/WeChat reported/.test(status.stdout); tries++) status = await run('status', publishId);
      assert.match(status.stdout, /publish_status 0; WeChat reported/);
      assert.match(status.stdout, /https:\/\/mp\.weixin\.qq\.com\/s\//);

      // The draft was consumed: the next draft adds a new one.
      assert.match((await run('draft', article)).stdout, /added/);
      assert.equal((await run('status', '999999')).code, 1);
    } finally {
      await app.close();
    }
    const state = JSON.parse(readFileSync(join(dir, '.wechat-articles.json'), 'utf8')) as { accounts: Record<string, unknown> };
    assert.deepEqual(Object.keys(state.accounts), [fake.appId]);
  });
});
