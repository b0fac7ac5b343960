import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { writeHelloArticle } from '../helpers/article-files.js';
import { describeInBrowser, launchBrowser, signInToConsole, watchedPage } from '../helpers/browser.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { closeAll, startApp, TEST_TOKEN, type RunningApp } from '../helpers/start-app.js';
import { until } from '../helpers/until.js';
import { postToWebhook } from '../helpers/wechat.js';
import { createWeChatSide } from '../../src/testing.js';

// The console's publishing page in headless Chromium, against the fake WeChat: an article
// of two images checked, drafted, refused a mass send before its preview, previewed, mass
// sent once after the operator typed its title, refused a second time; then published in
// English, its status refreshed once WeChat reports it. The screenshot goes to
// test-artifacts/console/publishing.png (docs/console.md shows it).

const ADMIN = 'console-publishing-admin-token';
const BUNDLE = fileURLToPath(new URL('../../dist/console-ui/console.js', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));
const TITLE = 'Hello from git';
const TEST_OPENID = 'oTester_000000000000000000001';

describeInBrowser('the console’s publishing page in a real browser (headless Chromium)', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const problems: string[] = [];

  const text = async (testId: string): Promise<string> => page.locator(`[data-testid="${testId}"]`).innerText();
  const shows = (testId: string, pattern: RegExp, what: string): Promise<void> =>
    until(async () => (await page.locator(`[data-testid="${testId}"]`).count()) > 0 && pattern.test(await text(testId)), what);

  /** Opens the mass send's confirmation, types the title, confirms. */
  async function massSend(): Promise<void> {
    await page.click('[data-testid="pub-mass"]');
    const confirm = page.locator('[data-testid="pub-mass-confirm"]');
    await confirm.waitFor();
    await page.fill('[data-testid="pub-mass-title"]', TITLE);
    await confirm.click();
  }

  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build writes it`);
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'console-publishing-'));
    writeHelloArticle(dir);
    fake = await new FakeWeChat().start();
    app = await startApp({
      ...fake.env(),
      ADMIN_TOKEN: ADMIN,
      ARTICLES_DIR: join(dir, 'articles'),
      ARTICLES_STATE_FILE: join(dir, '.wechat-articles.json'),
    });
    browser = await launchBrowser();
    page = await watchedPage(browser, problems);
  });
  after(() =>
    closeAll(
      () => browser.close(),
      () => app.close(),
      () => fake.stop(),
      () => rmSync(dir, { recursive: true, force: true }),
    ),
  );

  it('checks and drafts an article, refuses a mass send before the preview, sends it once after a typed confirmation', async () => {
    await signInToConsole(page, app.url, ADMIN);

    await page.click('[data-testid="nav-publishing"]');
    assert.equal((await page.locator('[data-testid="nav-publishing"]').innerText()).trim(), '发布');
    const row = page.locator('[data-testid="pub-row"][data-file="hello.md"]');
    await row.waitFor();
    assert.match(await row.innerText(), new RegExp(TITLE));
    assert.match(await row.innerText(), /没有草稿/);
    await row.locator('[data-testid="pub-select"]').click();
    await page.locator('[data-testid="pub-panel"]').waitFor();

    // Check: offline, nothing goes to WeChat.
    const calls = fake.calls.length;
    await page.click('[data-testid="pub-check"]');
    await shows('pub-check-result', /没有问题/, 'the check says ready');
    assert.equal(fake.calls.length, calls, 'a check calls no WeChat API');

    // Draft: both images and the cover uploaded, one draft in the fake.
    await page.click('[data-testid="pub-draft"]');
    await shows('pub-draft-result', /已创建草稿：media_id DRAFT_\d+/, 'the draft added');
    assert.match(await text('pub-draft-result'), /新上传 2 张，复用之前上传的 0 张/);
    assert.equal(fake.publishing.drafts.size, 1);
    assert.equal(fake.publishing.imageUploads.length, 2);
    const [mediaId] = [...fake.publishing.drafts.keys()];
    await until(
      async () => (await row.locator('[data-testid="pub-row-draft"]').innerText()).includes(mediaId ?? '?'),
      'the list shows the draft',
    );

    // The limits are said before anything is sent, and again in the confirmation.
    assert.match(await text('pub-limits'), /全部粉丝：服务号每月最多触达每位粉丝 4 次，订阅号每天只能群发 1 次/);

    // A mass send before the preview: the confirmation asks for the title, then the server refuses it.
    await page.click('[data-testid="pub-mass"]');
    const confirm = page.locator('[data-testid="pub-mass-confirm"]');
    await confirm.waitFor();
    assert.match(await text('pub-mass-limits'), /每月最多触达每位粉丝 4 次/);
    assert.equal(await confirm.isDisabled(), true, 'no send before the title is typed');
    await page.fill('[data-testid="pub-mass-title"]', 'Hello from gi');
    assert.equal(await confirm.isDisabled(), true, 'a wrong title does not confirm');
    await page.click('[data-testid="pub-mass-cancel"]');
    assert.equal(fake.publishing.massSends.length, 0, 'cancelled: nothing sent');
    await massSend();
    await shows('pub-mass-result-error', /需要先预览/, 'the refusal for want of a preview');
    assert.doesNotMatch(await text('pub-mass-result-error'), /run preview|409|Error/);
    assert.equal(fake.publishing.massSends.length, 0, 'nothing sent without a preview');

    // The preview, to a test openid.
    await page.fill('[data-testid="pub-openid"]', TEST_OPENID);
    await page.click('[data-testid="pub-preview"]');
    await shows('pub-preview-result', new RegExp(`已把预览发给 ${TEST_OPENID}`), 'the preview sent');
    assert.deepEqual(fake.publishing.previews, [{ touser: TEST_OPENID, mediaId }]);
    await until(async () => /已预览当前内容/.test(await row.innerText()), 'the list shows the preview');

    // Now the mass send goes, once.
    await massSend();
    await shows('pub-mass-result', /已提交群发：msg_id \d+/, 'the mass send submitted');
    assert.equal(fake.publishing.massSends.length, 1);
    const [sent] = fake.publishing.massSends;
    assert.deepEqual(sent?.filter, { is_to_all: true });
    assert.equal(sent?.mediaId, mediaId);
    await shows('pub-status-lines', new RegExp(`群发 ${sent?.msg_id}：发送成功`), 'the status of the send');
    await until(async () => new RegExp(`已群发：msg_id ${sent?.msg_id}`).test(await row.innerText()), 'the list shows the send');

    // WeChat reports the send: Refresh shows its counts.
    const side = createWeChatSide({ token: TEST_TOKEN });
    const report = side.signRequest(
      fake.publishing.finishMass(sent?.msg_id ?? '', { totalCount: 10, filterCount: 9, sentCount: 9, errorCount: 0 }),
    );
    assert.equal((await postToWebhook(app.url, report.body, report.query)).status, 200);
    await until(async () => {
      await page.click('[data-testid="pub-status-refresh"]');
      return /粉丝 10，过滤后 9，发送成功 9，失败 0/.test(await text('pub-status-lines'));
    }, 'the reported counts after a refresh');
    await page.screenshot({ path: join(SHOTS, 'publishing.png'), fullPage: true });

    // The send took the draft: drafted again, a second mass send of the same content is refused.
    await page.click('[data-testid="pub-draft"]');
    await shows('pub-draft-result', /已创建草稿/, 'drafted again');
    assert.match(await text('pub-draft-result'), /新上传 0 张，复用之前上传的 2 张/);
    await massSend();
    await shows('pub-mass-result-error', /已经发送过/, 'the refusal of a second send');
    assert.equal(fake.publishing.massSends.length, 1, 'still one mass send');

    // The refusals (409) show on the browser's console as failed resources: expected here, nothing else.
    assert.deepEqual(
      problems.filter((problem) => !/Failed to load resource: .*status of 409/.test(problem)),
      [],
    );
    problems.splice(0, problems.length);
  });

  it('in English: a refusal of WeChat’s (48001) in words, then a publish and its status refreshed', async () => {
    await page.click('[data-testid="lang-switch"]');
    await until(async () => (await page.locator('[data-testid="nav-publishing"]').innerText()).trim() === 'Publishing', 'English');
    assert.match(await text('pub-limits'), /a service account \(服务号\) reaches each follower at most 4 times a month/);

    fake.publishing.permissionDenied = true;
    await page.click('[data-testid="pub-draft"]');
    await shows('pub-draft-result-error', /Permission denied \(48001\)/, 'the permission refusal in English');
    fake.publishing.permissionDenied = false;

    await page.click('[data-testid="pub-publish"]');
    const confirm = page.locator('[data-testid="pub-publish-confirm"]');
    await confirm.waitFor();
    assert.equal(fake.publishing.publishes.size, 0, 'nothing published before the confirmation');
    await confirm.click();
    await shows('pub-publish-result', /Submitted for publishing: publish_id \d+/, 'the publish submitted');
    assert.equal(fake.publishing.publishes.size, 1);
    const [publishId] = [...fake.publishing.publishes.keys()];
    await shows('pub-status-lines', new RegExp(`Publish ${publishId}: publishing \\(publish_status 1\\)`), 'publishing');

    const side = createWeChatSide({ token: TEST_TOKEN });
    const report = side.signRequest(fake.publishing.finishPublish(publishId ?? '', 0));
    assert.equal((await postToWebhook(app.url, report.body, report.query)).status, 200);
    await until(async () => {
      await page.click('[data-testid="pub-status-refresh"]');
      return /published \(publish_status 0\)/.test(await text('pub-status-lines'));
    }, 'published after a refresh');
    assert.match(await text('pub-status-lines'), new RegExp(`Article 1: https://mp\\.weixin\\.qq\\.com/s/fake${publishId}_1`));
    await page.screenshot({ path: join(SHOTS, 'publishing-en.png'), fullPage: true });

    // A phone-sized screen: nothing wider than it.
    await page.setViewportSize({ width: 375, height: 740 });
    const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
    assert.ok(width <= 376, `#/publishing is ${width} px wide on a 375 px screen`);
    await page.setViewportSize({ width: 1100, height: 900 });
    await page.click('[data-testid="lang-switch"]');

    // 403 (48001) on the browser's console as a failed resource: expected here, nothing else.
    assert.deepEqual(
      problems.filter((problem) => !/Failed to load resource: .*status of 403/.test(problem)),
      [],
    );
  });
});
