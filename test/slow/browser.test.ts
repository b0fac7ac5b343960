import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { after, before, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { FakeWeChat, type UserProfile } from '../helpers/fake-wechat.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { describeInBrowser, launchBrowser } from '../helpers/browser.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

const ADMIN_TOKEN = 'browser-admin-token';
const nickname = '<img src=x onerror="window.__xss=1">小红 & <script>window.__xss=2</script>';
const profile: UserProfile = {
  openid: 'o_browser_user',
  nickname,
  sex: 2,
  province: '浙江',
  city: '杭州',
  country: '中国',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/browser-avatar.png',
};

// A 1×1 PNG: what the fake "WeChat image hosts" serve to the browser.
const PIXEL = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

describeInBrowser('the pages in a real browser (headless Chromium)', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let browser: Browser;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), ADMIN_TOKEN, PUBLIC_URL: 'http://127.0.0.1:1' });
    browser = await launchBrowser(['--disable-quic']);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
    await fake?.stop();
  });

  it('the OAuth flow ends on the user’s profile, shown as text, with no script run', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // Playwright routes only the first request of a redirect chain, so the 302 that
    // /oauth answers is held here (its Set-Cookie reaching the browser as sent) and the
    // browser is then sent to its Location, as it would follow it.
    let authorize = '';
    await page.route(`${app.url}/oauth`, async (route) => {
      const response = await route.fetch({ maxRedirects: 0 });
      assert.equal(response.status(), 302);
      authorize = response.headers().location ?? '';
      await route.fulfill({ status: 200, headers: { 'set-cookie': response.headers()['set-cookie'] ?? '' }, body: 'redirecting' });
    });
    // WeChat's side, which this sandbox cannot reach: its authorize page sends the
    // browser back to redirect_uri with a code (issued by the fake API) and the state;
    // its image host serves the avatar.
    await page.route('https://open.weixin.qq.com/**', async (route) => {
      const url = new URL(route.request().url());
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      const callback = `${app.url}${back.pathname}?code=${fake.issueCode(profile)}&state=${url.searchParams.get('state') ?? ''}`;
      await route.fulfill({ status: 302, headers: { Location: callback } });
    });
    await page.route('https://thirdwx.qlogo.cn/**', (route) => route.fulfill({ status: 200, contentType: 'image/png', body: PIXEL }));

    await page.goto(`${app.url}/oauth`);
    assert.match(authorize, /^https:\/\/open\.weixin\.qq\.com\/connect\/oauth2\/authorize\?/);
    const response = await page.goto(authorize);
    assert.equal(response?.status(), 200);
    assert.equal(new URL(page.url()).pathname, '/oauth/callback');
    assert.equal(await page.textContent('h1.nickname'), nickname);
    assert.equal(await page.textContent('dd.city'), '杭州');
    assert.equal(await page.textContent('dd.sex'), '女 female');
    assert.equal(await page.locator('img.avatar').count(), 1);
    assert.equal(await page.locator('img.avatar').getAttribute('src'), profile.headimgurl);
    assert.equal(await page.evaluate('window.__xss'), undefined, 'injected script ran');
    assert.equal(await page.locator('script').count(), 0);
    assert.deepEqual(dialogs, []);
    await page.screenshot({ path: new URL('oauth-profile.png', ARTIFACTS).pathname, fullPage: true });
    await context.close();
  });

  it('the admin QR form, filled in, shows the code drawn by this server, with no request to WeChat’s image host', async () => {
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      httpCredentials: { username: 'admin', password: ADMIN_TOKEN },
    });
    const page = await context.newPage();
    const outside: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(app.url) && !request.url().startsWith('data:')) outside.push(request.url());
    });
    const creates = fake.count('/cgi-bin/qrcode/create');
    const response = await page.goto(`${app.url}/qrcode`);
    assert.equal(response?.status(), 200);
    await page.selectOption('select[name=kind]', 'temporary');
    await page.fill('input[name=scene]', '123');
    await page.fill('input[name=expire_seconds]', '3600');
    await Promise.all([page.waitForURL(/scene=123/), page.click('button[type=submit]')]);
    assert.equal(new URL(page.url()).searchParams.get('kind'), 'temporary');
    const image = page.locator('img.qr');
    assert.equal(await image.count(), 1);
    assert.match((await image.getAttribute('src')) ?? '', /^data:image\/svg\+xml;base64,/);
    await page.waitForFunction("document.querySelector('img.qr')?.complete && document.querySelector('img.qr').naturalWidth > 0");
    assert.match(
      (await page.locator('a.wechat').getAttribute('href')) ?? '',
      /^https:\/\/mp\.weixin\.qq\.com\/cgi-bin\/showqrcode\?ticket=/,
    );
    assert.match((await page.textContent('main')) ?? '', /123/);
    assert.deepEqual(outside, [], 'the page asked another host');
    await page.screenshot({ path: new URL('qrcode-page.png', ARTIFACTS).pathname, fullPage: true });
    // A reload shows the same code: WeChat is asked once.
    await page.reload();
    assert.equal(fake.count('/cgi-bin/qrcode/create'), creates + 1);
    await context.close();
  });

  it('without credentials the browser is asked for them (401)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Headless Chromium has nobody to ask, so it gives up on the Basic challenge.
    const outcome = await page.goto(`${app.url}/qrcode?scene_id=1`).then(
      (response) => String(response?.status()),
      (error: Error) => error.message,
    );
    assert.match(outcome, /^401$|ERR_INVALID_AUTH_CREDENTIALS/);
    await context.close();
  });
});
