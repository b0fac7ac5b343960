import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchBrowser } from '../helpers/browser.js';
import { closeAll, startApp, type RunningApp } from '../helpers/start-app.js';
import { until } from '../helpers/until.js';
import { exchange, postToWebhook, textXml } from '../helpers/wechat.js';

// The console in headless Chromium, as an operator uses it: sign in, watch a message on
// the live stream, change a keyword reply with the preview, see the webhook answer the
// same, sign out. The pages' screenshots go to test-artifacts/console/ (docs/console.md
// shows them).

const ADMIN = 'console-browser-admin-token';
const BUNDLE = fileURLToPath(new URL('../../dist/console-ui/console.js', import.meta.url));
const SHOTS = fileURLToPath(new URL('../../test-artifacts/console/', import.meta.url));
const REPLIES = 'keywords:\n  - exact: 价格\n    reply: 九十九元\nmessage: 收到\n';

describeInBrowser('the console in a real browser (headless Chromium)', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let dir: string;
  const problems: string[] = [];

  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build writes it`);
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'console-browser-'));
    writeFileSync(join(dir, 'replies.yaml'), REPLIES);
    app = await startApp({ ADMIN_TOKEN: ADMIN, REPLIES_FILE: join(dir, 'replies.yaml') });
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: { width: 1100, height: 800 }, locale: 'zh-CN' });
    page = await context.newPage();
    // A CSP violation or a script error shows on the console: none may happen.
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
  });
  after(() =>
    closeAll(
      () => browser.close(),
      () => app.close(),
      () => rmSync(dir, { recursive: true, force: true }),
    ),
  );

  it('signs in with ADMIN_TOKEN: the overview, with no script error and no CSP violation', async () => {
    await page.goto(`${app.url}/console`);
    await page.screenshot({ path: join(SHOTS, 'sign-in.png') });
    await page.fill('input[name="token"]', ADMIN);
    await page.click('button[type="submit"]');
    await page.waitForSelector('[data-testid="overview"]');
    await page.waitForSelector('[data-testid="overview"] .card');
    await page.screenshot({ path: join(SHOTS, 'overview.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });

  it('the live stream shows a message the simulator sends, its openid masked', async () => {
    await page.click('[data-testid="nav-live"]');
    await page.waitForSelector('[data-testid="live-list"]', { state: 'attached' });
    // The stream is open once the page is: send until a row shows (the first may beat the connection).
    await until(async () => {
      const sent = await postToWebhook(app.url, textXml('控制台实时'));
      await sent.text();
      return (await page.locator('[data-testid="live-row"]').count()) > 0;
    }, 'a row on the live stream');
    const row = page.locator('[data-testid="live-row"]').first();
    const text = await row.innerText();
    assert.match(text, /控制台实时/);
    assert.match(text, /o_us…enid/);
    assert.doesNotMatch(await page.content(), /o_user_openid/);
    await page.screenshot({ path: join(SHOTS, 'live.png'), fullPage: true });
  });

  it('a write without the CSRF token is refused (403), nothing written', async () => {
    const before = readFileSync(join(dir, 'replies.yaml'), 'utf8');
    const status = await page.evaluate(async () => {
      const response = await fetch('/console/api/replies', {
        method: 'PUT',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ source: 'message: hacked\n', baseHash: '0'.repeat(64) }),
      });
      return response.status;
    });
    assert.equal(status, 403);
    assert.equal(readFileSync(join(dir, 'replies.yaml'), 'utf8'), before);
    // The browser reports the refusal on its console: expected here, and only here.
    problems.splice(0, problems.length);
  });

  it('edits a keyword reply: problems shown as typed, the preview answers, the save is live, and the webhook answers the same', async () => {
    await page.click('[data-testid="nav-replies"]');
    const editor = page.locator('[data-testid="replies-editor"]');
    await editor.waitFor();
    await until(async () => (await editor.inputValue()) === REPLIES, 'the file in the editor');

    await editor.fill('keywords:\n  - exact: 价格\n    replyy: 八十八元\n');
    await until(async () => (await page.locator('[data-testid="replies-problems"] li').count()) > 0, 'a problem shown');
    assert.equal(await page.locator('[data-testid="replies-save"]').isDisabled(), true);

    const next = 'keywords:\n  - exact: 价格\n    reply: 八十八元\nmessage: 收到\n';
    await editor.fill(next);
    await until(async () => (await page.locator('[data-testid="replies-problems"] li').count()) === 0, 'no problem left');
    await page.fill('[data-testid="phone-input"]', '价格');
    await page.click('[data-testid="phone-send"]');
    await until(async () => (await page.locator('[data-testid="phone-reply"]').innerText()) === '八十八元', 'the preview answers');
    await page.screenshot({ path: join(SHOTS, 'replies.png'), fullPage: true });

    await page.click('[data-testid="replies-save"]');
    await until(async () => /已保存|Saved/.test(await page.locator('[data-testid="replies-status"]').innerText()), 'saved');
    assert.equal(readFileSync(join(dir, 'replies.yaml'), 'utf8'), next);
    await until(async () => (await exchange(app.url, textXml('价格'))).Content === '八十八元', 'the webhook answers as the preview did');
    assert.deepEqual(problems, []);
  });

  it('signs out: back to the sign-in page, and the session opens nothing', async () => {
    await page.click('[data-testid="sign-out"]');
    await page.waitForSelector('input[name="token"]');
    const status = await page.evaluate(async () => (await fetch('/console/api/session')).status);
    assert.equal(status, 401);
  });
});
