import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { after, before, it } from 'node:test';
import { type Browser } from 'playwright-core';
import { createShopApp } from '../../examples/oauth-app.js';
import { loadConfig } from '../../src/index.js';
import { createLogger } from '../../src/core/logger.js';
import { FakeWeChat, type UserProfile } from '../helpers/fake-wechat.js';
import { freePort } from '../helpers/free-port.js';
import { TEST_TOKEN } from '../helpers/start-app.js';
import { describeInBrowser, launchBrowser } from '../helpers/browser.js';

const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url);

const nickname = '<img src=x onerror="window.__xss=1">阿明 & <script>window.__xss=2</script>';
const profile: UserProfile = {
  openid: 'o_example_shopper',
  nickname,
  sex: 1,
  province: '北京',
  city: '北京',
  country: '中国',
  headimgurl: 'https://thirdwx.qlogo.cn/mmopen/shopper.png',
};

describeInBrowser('examples/oauth-app.ts in a real browser: a page behind requireWeChatUser gets its user', () => {
  let fake: FakeWeChat;
  let server: Server;
  let shutdown: () => Promise<void>;
  let origin = '';
  let browser: Browser;

  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    fake = await new FakeWeChat().start();
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const config = loadConfig({ WECHAT_TOKEN: TEST_TOKEN, ...fake.env(), PUBLIC_URL: origin, LOG_LEVEL: 'warn' });
    const shop = createShopApp(config, { logger: createLogger('silent') });
    shutdown = shop.shutdown;
    server = shop.listen(port, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', resolve));
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await shutdown?.();
    await fake?.stop();
  });

  it('the shop → /oauth?next= → WeChat’s authorize step → the callback → back on the shop, the nickname shown as text', async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    const visited: string[] = [];
    page.on('request', (request) => visited.push(request.url()));

    // WeChat's authorize page, which this sandbox cannot reach: it sends the browser back
    // to redirect_uri with a code (issued by the fake API) and the state. It is played
    // through CDP's Fetch domain, which (unlike page.route) also catches a request that
    // a redirect made, so every step of the flow is the browser following a real 302.
    const cdp = await context.newCDPSession(page);
    const asked: URL[] = [];
    cdp.on('Fetch.requestPaused', (event: { requestId: string; request: { url: string } }) => {
      const url = new URL(event.request.url);
      asked.push(url);
      const back = new URL(url.searchParams.get('redirect_uri') ?? '');
      back.searchParams.set('code', fake.issueCode(profile));
      back.searchParams.set('state', url.searchParams.get('state') ?? '');
      void cdp.send('Fetch.fulfillRequest', {
        requestId: event.requestId,
        responseCode: 302,
        responseHeaders: [{ name: 'Location', value: back.href }],
      });
    });
    await cdp.send('Fetch.enable', { patterns: [{ urlPattern: 'https://open.weixin.qq.com/*' }] });

    const item = '<b>茶</b>';
    const response = await page.goto(`${origin}/shop?item=${encodeURIComponent(item)}`);
    assert.equal(response?.status(), 200);
    // A redirect without a fragment keeps the one before it: the browser lands with
    // WeChat's #wechat_redirect, as it does inside WeChat.
    assert.equal(page.url().split('#')[0], `${origin}/shop?item=${encodeURIComponent(item)}`);

    // The way there: the shop, /oauth with next, WeChat, the callback, the shop again.
    const steps = visited.map((url) => (url.startsWith(origin) ? url.slice(origin.length).split('?')[0] : new URL(url).host));
    assert.deepEqual(steps, ['/shop', '/oauth', 'open.weixin.qq.com', '/oauth/callback', '/shop']);
    const oauth = new URL(visited[1] ?? '');
    assert.equal(oauth.searchParams.get('next'), `/shop?item=${encodeURIComponent(item)}`);
    assert.equal(asked.length, 1);
    assert.equal(asked[0]?.searchParams.get('scope'), 'snsapi_userinfo');
    assert.equal(asked[0]?.searchParams.get('redirect_uri'), `${origin}/oauth/callback`);

    // The nickname and the item, shown as text; nothing in them ran.
    assert.equal(await page.textContent('.nickname'), nickname);
    assert.equal(await page.textContent('.item'), item);
    assert.equal(await page.locator('img').count(), 0);
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.evaluate('window.__xss'), undefined, 'injected script ran');

    // The cookie is HttpOnly (no script sees it), and /oauth/me answers the page's user.
    assert.equal(await page.evaluate('document.cookie'), '');
    const cookies = await context.cookies(origin);
    const user = cookies.find((cookie) => cookie.name === 'wechat_user');
    assert.ok(user?.httpOnly);
    assert.equal(user?.sameSite, 'Lax');
    const meResponse = await page.goto(`${origin}/oauth/me`);
    assert.deepEqual(await meResponse?.json(), { openid: profile.openid, nickname, headimgurl: profile.headimgurl });

    // Back on the shop: the cookie is enough, WeChat is not asked again.
    const exchanges = fake.count('/sns/oauth2/access_token');
    visited.length = 0;
    await page.goto(`${origin}/shop`);
    assert.deepEqual(
      visited.map((url) => url.slice(origin.length)),
      ['/shop'],
    );
    assert.equal(fake.count('/sns/oauth2/access_token'), exchanges);
    assert.equal(await page.textContent('.nickname'), nickname);
    await page.screenshot({ path: new URL('oauth-example-shop.png', ARTIFACTS).pathname, fullPage: true });
    await context.close();
  });
});
