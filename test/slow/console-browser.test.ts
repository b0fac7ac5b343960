import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchBrowser, signInToConsole, watchedPage } from '../helpers/browser.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { closeAll, startApp, TEST_TOKEN, type RunningApp } from '../helpers/start-app.js';
import { until } from '../helpers/until.js';
import { exchange, postToWebhook, textXml } from '../helpers/wechat.js';
import { createWeChatSide } from '../../src/testing.js';

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
    // A CSP violation or a script error shows on the console: none may happen.
    page = await watchedPage(browser, problems, 800);
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

  it('the live page says how many messages of a burst were answered but not shown', async () => {
    const sent = await Promise.all(Array.from({ length: 60 }, (_, i) => postToWebhook(app.url, textXml(`一阵 ${i}`))));
    assert.ok(sent.every((answer) => answer.status === 200));
    const notice = page.locator('[data-testid="live-skipped"]');
    await notice.waitFor({ timeout: 5_000 });
    const text = await notice.innerText();
    const [limit, count] = (text.match(/\d+/g) ?? []).map(Number);
    assert.equal(limit, 20, text);
    assert.ok(count !== undefined && count >= 60 - 2 * 20 && count <= 60, text);
    const rows = await page.locator('[data-testid="live-row"]').count();
    assert.ok(rows <= 1 + 2 * 20, `${rows} rows for a burst of 60`);
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
    await until(
      async () => /与文件一致/.test(await page.locator('[data-testid="instance-versions"]').innerText()),
      'the instance shown serving the saved version',
      15_000,
    );
    assert.deepEqual(problems, []);
  });

  it('the phone preview names a hand-over to customer service, and its agent', async () => {
    const editor = page.locator('[data-testid="replies-editor"]');
    const saved = await editor.inputValue();
    await editor.fill('keywords:\n  - exact: 找小王\n    reply: { type: transfer_customer_service, kfAccount: xiaowang@coffee_shop }\n');
    await until(async () => (await page.locator('[data-testid="replies-problems"] li').count()) === 0, 'no problem');
    await page.fill('[data-testid="phone-input"]', '找小王');
    await page.click('[data-testid="phone-send"]');
    await until(async () => (await page.locator('[data-testid="phone-reply"]').innerText()) === 'xiaowang@coffee_shop', 'the agent shown');
    assert.equal((await page.locator('.bubble.account .reply-type').last().innerText()).trim(), '[转人工客服]');
    await editor.fill(saved); // back to the file as saved: nothing left unsaved
    assert.deepEqual(problems, []);
  });

  it('in English, and on a phone-sized screen with nothing wider than it', async () => {
    await page.click('[data-testid="lang-switch"]');
    await until(async () => (await page.locator('[data-testid="nav-overview"]').innerText()).trim() === 'Overview', 'English');
    await page.reload();
    await page.waitForSelector('[data-testid="nav-overview"]');
    assert.equal((await page.locator('[data-testid="nav-overview"]').innerText()).trim(), 'Overview', 'the choice is kept');
    await page.setViewportSize({ width: 375, height: 740 });
    for (const tab of ['overview', 'live', 'replies']) {
      await page.click(`[data-testid="nav-${tab}"]`);
      const width = Number(await page.evaluate('document.documentElement.scrollWidth'));
      assert.ok(width <= 376, `#/${tab} is ${width} px wide on a 375 px screen`);
    }
    await page.screenshot({ path: join(SHOTS, 'phone-replies.png'), fullPage: true });
    await page.click('[data-testid="lang-switch"]');
    await page.setViewportSize({ width: 1100, height: 800 });
    assert.deepEqual(problems, []);
  });

  it('signs out: back to the sign-in page, and the session opens nothing', async () => {
    await page.click('[data-testid="sign-out"]');
    await page.waitForSelector('input[name="token"]');
    const status = await page.evaluate(async () => (await fetch('/console/api/session')).status);
    assert.equal(status, 401);
  });
});

const MENU = { button: [{ type: 'click', name: '今日歌曲', key: 'V1001_TODAY_MUSIC' }] };

describeInBrowser('the console’s menu page in a real browser (headless Chromium)', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  let dir: string;
  let menuFile: string;
  const problems: string[] = [];

  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build writes it`);
    mkdirSync(SHOTS, { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'console-menu-browser-'));
    menuFile = join(dir, 'menu.json');
    writeFileSync(menuFile, `${JSON.stringify(MENU, null, 2)}\n`);
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), ADMIN_TOKEN: ADMIN, MENU_FILE: menuFile });
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

  it('edits the menu (preview and limits live), saves it, compares it with WeChat and pushes it after a confirmation', async () => {
    await signInToConsole(page, app.url, ADMIN);

    await page.click('[data-testid="nav-menu"]');
    await page.locator('[data-testid="menu-editor"]').waitFor();
    const names = page.locator('[data-testid="menu-button-name"]');
    await until(async () => (await names.count()) === 1 && (await names.first().inputValue()) === '今日歌曲', 'the file in the editor');
    const preview = page.locator('[data-testid="menu-preview"]');
    assert.match(await preview.innerText(), /今日歌曲/);

    await names.first().fill('新歌推荐');
    await until(async () => /新歌推荐/.test(await preview.innerText()), 'the preview shows the new name');

    // A 4th top-level button: over WeChat's 3, shown at once, and no save.
    const save = page.locator('[data-testid="menu-save"]');
    for (let n = 0; n < 3; n += 1) await page.click('[data-testid="menu-add-button"]');
    await until(async () => (await names.count()) === 4, 'four buttons');
    await until(async () => /button/.test(await page.locator('[data-testid="menu-problems"]').innerText()), 'a problem shown');
    assert.equal(await save.isDisabled(), true);
    await page.screenshot({ path: join(SHOTS, 'menu-problems.png'), fullPage: true });

    // Remove the three new ones: named and keyed buttons only are left.
    for (let n = 0; n < 3; n += 1)
      await page.locator('[data-testid="menu-editor"] > li').last().getByRole('button', { name: /删除/ }).click();
    await until(async () => (await names.count()) === 1, 'one button again');
    await until(
      async () => (await page.locator('[data-testid="menu-problems"] li').count()) === 0 && !(await save.isDisabled()),
      'no problem left',
    );
    assert.equal(await page.locator('[data-testid="menu-push"]').isDisabled(), true, 'no push with unsaved changes');

    const before = readFileSync(menuFile, 'utf8');
    await save.click();
    await until(async () => /已保存|Saved/.test(await page.locator('[data-testid="menu-status"]').innerText()), 'saved');
    const saved = JSON.parse(readFileSync(menuFile, 'utf8')) as typeof MENU;
    assert.equal(saved.button[0]?.name, '新歌推荐');
    assert.equal(saved.button[0]?.key, 'V1001_TODAY_MUSIC');
    assert.equal(readFileSync(`${menuFile}.previous`, 'utf8'), before);

    // WeChat has no menu yet: the file differs from it.
    await page.click('[data-testid="menu-compare"]');
    const differences = page.locator('[data-testid="menu-differences"]');
    await until(async () => /button\[0\]/.test(await differences.innerText()), 'the differences listed');
    assert.doesNotMatch(await differences.innerText(), /与微信一致/);

    // The push asks first, showing the saved version.
    const push = page.locator('[data-testid="menu-push"]');
    await until(async () => !(await push.isDisabled()), 'the push enabled');
    await push.click();
    const confirm = page.locator('[data-testid="menu-push-confirm"]');
    await confirm.waitFor();
    assert.match(await page.locator('dialog.menu-confirm').innerText(), /新歌推荐/);
    assert.equal(fake.count('/cgi-bin/menu/create'), 0, 'nothing pushed before the confirmation');
    await page.screenshot({ path: join(SHOTS, 'menu-push.png') });
    await confirm.click();
    await until(async () => /已发布|Pushed/.test(await page.locator('[data-testid="menu-status"]').innerText()), 'pushed');
    assert.equal(fake.menus.menu?.[0]?.name, '新歌推荐');

    await page.click('[data-testid="menu-compare"]');
    await until(async () => /与微信一致/.test(await differences.innerText()), 'the same as WeChat after the push');
    await page.screenshot({ path: join(SHOTS, 'menu.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });
});

describeInBrowser('the console’s send and users pages in a real browser (headless Chromium)', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const TEMPLATE_SEND = '/cgi-bin/message/template/send';

  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: npm run build writes it`);
    mkdirSync(SHOTS, { recursive: true });
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), ADMIN_TOKEN: ADMIN });
    browser = await launchBrowser();
    page = await watchedPage(browser, problems);
  });
  after(() =>
    closeAll(
      () => browser.close(),
      () => app.close(),
      () => fake.stop(),
    ),
  );

  it('checks a template message (nothing sent), sends exactly what the check showed, and refuses a missing placeholder', async () => {
    await signInToConsole(page, app.url, ADMIN);

    await page.click('[data-testid="nav-send"]');
    const select = page.locator('[data-testid="send-template"]');
    await select.waitFor();
    await select.selectOption('TPL_ORDER_SHIPPED');
    const values = { thing1: '智能手表', character_string2: 'SF1234567890', time3: '2024年5月1日 10:00' };
    for (const [key, value] of Object.entries(values)) await page.fill(`[data-testid="send-field-${key}"]`, value);
    await page.fill('[data-testid="send-openid"]', 'oFollower_0001');
    const submit = page.locator('[data-testid="send-submit"]');
    assert.equal(await submit.isDisabled(), true, 'no send before a check');

    await page.click('[data-testid="send-check"]');
    const preview = page.locator('[data-testid="send-preview"]');
    await preview.waitFor();
    const shown = await preview.innerText();
    for (const value of Object.values(values)) assert.ok(shown.includes(value), `the preview shows ${value}`);
    assert.equal(fake.count(TEMPLATE_SEND), 0, 'a check sends nothing');
    await until(async () => !(await submit.isDisabled()), 'send enabled after the check');

    // An edit after the check disables Send until the next check.
    await page.fill('[data-testid="send-field-thing1"]', '智能手环');
    assert.equal(await submit.isDisabled(), true, 'an edit disables send');
    await page.fill('[data-testid="send-field-thing1"]', values.thing1);
    await page.click('[data-testid="send-check"]');
    await until(async () => !(await submit.isDisabled()), 'send enabled after checking again');
    const checked = JSON.parse(await preview.innerText()) as unknown;

    await submit.click();
    const status = page.locator('[data-testid="send-status"]');
    await until(async () => /已发送/.test(await status.innerText()), 'sent');
    assert.match(await status.innerText(), /msgid \S+/);
    assert.equal(fake.count(TEMPLATE_SEND), 1);
    assert.deepEqual(fake.callsTo(TEMPLATE_SEND)[0]?.body, checked, 'WeChat got what the preview showed');
    await page.screenshot({ path: join(SHOTS, 'send.png'), fullPage: true });

    // A placeholder left out: the check names it, and Send stays disabled.
    await page.fill('[data-testid="send-field-time3"]', '');
    await page.click('[data-testid="send-check"]');
    const error = page.locator('[data-testid="send-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /time3/);
    assert.equal(await submit.isDisabled(), true);
    assert.equal(await page.locator('[data-testid="send-preview"]').count(), 0);
    assert.equal(fake.count(TEMPLATE_SEND), 1);

    // A customer-service text: the check shows the reply, sending nothing.
    await page.click('[data-testid="send-kind-custom"]');
    assert.equal(await submit.isDisabled(), true);
    await page.fill('[data-testid="send-content"]', '您的订单已发货');
    await page.click('[data-testid="send-check"]');
    await until(async () => /您的订单已发货/.test(await page.locator('[data-testid="send-preview"]').innerText()), 'the text previewed');
    assert.equal(fake.count('/cgi-bin/message/custom/send'), 0);
    assert.match(await page.locator('[data-testid="send-reach"]').innerText(), /没有该用户的交互记录/);

    // A subscription notice: its template's keywords, the grant the server knows of, then sent.
    await page.click('[data-testid="send-kind-subscribe"]');
    await page.locator('[data-testid="send-template"]').selectOption('NOTICE_ONE_TIME');
    const notice = { thing1: '体检', time2: '2026年5月1日 10:00', phone_number3: '13800000000' };
    for (const [key, value] of Object.entries(notice)) await page.fill(`[data-testid="send-field-${key}"]`, value);
    await page.click('[data-testid="send-check"]');
    await until(async () => (await page.locator('[data-testid="send-reach"]').count()) === 1, 'the grant shown');
    assert.match(await page.locator('[data-testid="send-reach"]').innerText(), /一次性模板，没有该用户的授权记录/);
    assert.equal(fake.count('/cgi-bin/message/subscribe/bizsend'), 0, 'a check sends nothing');
    await until(async () => !(await submit.isDisabled()), 'send enabled after the notice check');
    await submit.click();
    await until(async () => /已发送/.test(await status.innerText()), 'the notice sent');
    assert.deepEqual(fake.callsTo('/cgi-bin/message/subscribe/bizsend')[0]?.body, {
      touser: 'oFollower_0001',
      template_id: 'NOTICE_ONE_TIME',
      data: { thing1: { value: '体检' }, time2: { value: '2026年5月1日 10:00' }, phone_number3: { value: '13800000000' } },
    });
    // The 400 of the check shows on the browser's console as a failed resource: expected here.
    problems.splice(0, problems.length, ...problems.filter((problem) => !/Failed to load resource: .*status of 400/.test(problem)));
    assert.deepEqual(problems, []);
  });

  it('looks up a follower: the window and grants the server knows of, the profile; an openid that is not one', async () => {
    // The follower writes, and accepts a notice template in a popup.
    const wechat = createWeChatSide({ token: TEST_TOKEN, account: 'gh_console' });
    const popup =
      `<xml><ToUserName><![CDATA[gh_console]]></ToUserName><FromUserName><![CDATA[oFollower_0002]]></FromUserName>` +
      `<CreateTime>${Math.floor(Date.now() / 1000) - 5}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
      `<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent><List><TemplateId><![CDATA[NOTICE_ONE_TIME]]></TemplateId>` +
      `<SubscribeStatusString><![CDATA[accept]]></SubscribeStatusString><PopupScene>0</PopupScene></List></SubscribeMsgPopupEvent></xml>`;
    for (const xml of [wechat.messageXml({ MsgType: 'text', Content: '你好' }, { user: 'oFollower_0002' }), popup]) {
      const signed = wechat.signRequest(xml);
      assert.equal((await postToWebhook(app.url, signed.body, signed.query)).status, 200);
    }

    await page.click('[data-testid="nav-users"]');
    await page.locator('[data-testid="user-openid"]').waitFor();
    await page.fill('[data-testid="user-openid"]', 'oFollower_0002');
    await page.click('[data-testid="user-lookup"]');
    const profile = page.locator('[data-testid="user-profile"]');
    await profile.waitFor();
    const text = await profile.innerText();
    assert.match(text, /oFollower_0002/);
    assert.match(text, /2024/, 'subscribe_time shown as a date');
    const window = page.locator('[data-testid="user-window"]');
    await window.waitFor();
    assert.equal(await window.getAttribute('data-window'), 'open');
    assert.equal(await page.locator('[data-testid="user-sends-left"]').innerText(), '5');
    assert.match(await page.locator('[data-testid="user-last-interaction"]').innerText(), new RegExp(String(new Date().getFullYear())));
    const grants = await page.locator('[data-testid="user-grants"]').innerText();
    assert.match(grants, /NOTICE_ONE_TIME\s+一次性\s+1\s+已同意/);
    await page.screenshot({ path: join(SHOTS, 'users.png'), fullPage: true });

    await page.fill('[data-testid="user-openid"]', 'oNobody_0009');
    await page.click('[data-testid="user-lookup"]');
    const error = page.locator('[data-testid="user-error"]');
    await error.waitFor();
    assert.match(await error.innerText(), /未找到该用户/);
    assert.equal(await profile.count(), 0);
    // The 404 shows on the browser's console as a failed resource: expected here, nothing else.
    assert.deepEqual(
      problems.filter((problem) => !/Failed to load resource: .*status of 404/.test(problem)),
      [],
    );
  });
});
