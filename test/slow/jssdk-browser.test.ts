import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { type Browser, type Page } from 'playwright-core';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { describeInBrowser, launchBrowser } from '../helpers/browser.js';

const ADMIN_TOKEN = 'jssdk-browser-admin';

interface Outcome {
  status?: number;
  body?: { appId: string; timestamp: number; nonceStr: string; signature: string };
  error?: string;
}

/** What an account's page does: sign its own URL through the server, from the browser. */
function signFromPage(page: Page, api: string, headers: Record<string, string> = {}): Promise<Outcome> {
  return page.evaluate(
    async ({ api, headers }) => {
      try {
        // Runs in the page (the tests' types have no DOM).
        const { href } = (globalThis as unknown as { location: { href: string } }).location;
        const url = href.split('#')[0] ?? '';
        const response = await fetch(`${api}/jssdk/config?url=${encodeURIComponent(url)}`, { headers });
        return { status: response.status, body: (await response.json()) as Outcome['body'] };
      } catch (error) {
        return { error: String(error) };
      }
    },
    { api, headers },
  );
}

describeInBrowser('JS-SDK signing from pages in a real browser (headless Chromium)', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let pages: Server;
  let pagesPort = 0;
  let browser: Browser;

  const expected = (body: NonNullable<Outcome['body']>, url: string) =>
    createHash('sha1')
      .update(`jsapi_ticket=${fake.jsapi.latest()}&noncestr=${body.nonceStr}&timestamp=${body.timestamp}&url=${url}`)
      .digest('hex');

  before(async () => {
    fake = await new FakeWeChat().start();
    // Pages on 127.0.0.1 (any port) may be signed; pages on localhost, the same machine
    // under another host name, may not.
    app = await startApp({ ...fake.env(), ADMIN_TOKEN, JSSDK_DOMAINS: '127.0.0.1' });
    pages = createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><title>shop</title><h1>an account’s own page</h1>');
    });
    await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', resolve));
    pagesPort = (pages.address() as AddressInfo).port;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await new Promise((resolve) => pages?.close(resolve));
    await app?.close();
    await fake?.stop();
  });

  it('a page on an allowed origin gets its signature through CORS (simple and preflighted requests)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const url = `http://127.0.0.1:${pagesPort}/item?id=7`;
    await page.goto(`${url}#/detail`);
    const simple = await signFromPage(page, app.url);
    assert.equal(simple.error, undefined, simple.error);
    assert.equal(simple.status, 200);
    assert.equal(simple.body?.appId, fake.appId);
    assert.equal(simple.body?.signature, expected(simple.body, url));

    const preflighted = await signFromPage(page, app.url, { 'X-Requested-With': 'XMLHttpRequest' });
    assert.equal(preflighted.status, 200, preflighted.error);
    assert.equal(preflighted.body?.signature, expected(preflighted.body!, url));
    await context.close();
  });

  it('a page on another origin cannot read a signature', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (message) => messages.push(message.text()));
    await page.goto(`http://localhost:${pagesPort}/item?id=7`);
    const outcome = await signFromPage(page, app.url);
    assert.equal(outcome.status, undefined, 'the browser let the page read the answer');
    assert.match(outcome.error ?? '', /TypeError|Failed to fetch/);
    assert.ok(
      messages.some((text) => /CORS|Access-Control-Allow-Origin/.test(text)),
      `the browser blamed CORS: ${messages.join(' | ')}`,
    );
    await context.close();
  });

  it('the demo page signs itself and hands the result to wx.config', async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'admin', password: ADMIN_TOKEN } });
    const page = await context.newPage();
    // WeChat's script host, unreachable here: a stand-in that records what wx.config gets.
    await page.route('https://res.wx.qq.com/**', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/javascript',
        body: 'window.wx={config:function(c){window.__wxConfig=c},ready:function(){},error:function(){}};',
      }),
    );
    const url = `${app.url}/jssdk/demo?from=test`;
    const response = await page.goto(`${url}#top`);
    assert.equal(response?.status(), 200);
    // Polled from outside: waitForFunction evaluates inside the page, which its CSP forbids.
    const deadline = Date.now() + 10_000;
    while ((await page.evaluate('window.__wxConfig === undefined')) as boolean) {
      if (Date.now() > deadline) assert.fail(`wx.config was never called; the page says: ${await page.textContent('main')}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const config = (await page.evaluate('window.__wxConfig')) as NonNullable<Outcome['body']> & { jsApiList: string[] };
    assert.equal(config.signature, expected(config, url));
    assert.equal(config.appId, fake.appId);
    assert.ok(config.jsApiList.length > 0);
    assert.equal(await page.textContent('#status'), '200');
    assert.equal(await page.textContent('#url'), url);
    assert.match((await page.textContent('#config')) ?? '', new RegExp(config.signature));
    await context.close();
  });
});
