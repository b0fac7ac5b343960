/**
 * A page of the account's own, behind WeChat's web authorization: `/shop` knows who is
 * looking at it. The WeChat server (webhook, `/oauth`, `/oauth/me`, …) runs in the same
 * app, so its user cookie reaches the page.
 *
 *   WECHAT_TOKEN=… WECHAT_APPID=… WECHAT_APPSECRET=… PUBLIC_URL=https://your-host npx tsx examples/oauth-app.ts
 *
 * In your own code, import from 'wechat-oa-server' instead of '../src/index.js'.
 */
import express from 'express';
import { pathToFileURL } from 'node:url';
import { createApp, loadConfig, requireWeChatUser, wechatUser, wechatUsers, type AppOptions, type Config } from '../src/index.js';

/** Text as HTML: a page's own escaping (a template engine's does the same). */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

export function createShopApp(config: Config, options: AppOptions = {}) {
  const wechat = createApp(config, options);
  const app = express();
  app.disable('x-powered-by');
  app.use(wechatUsers(config, { now: options.now }));

  app.get('/shop', requireWeChatUser(), (req, res) => {
    const user = wechatUser(req);
    // A nickname is whatever the user typed into WeChat: escaped, as is the query.
    const name = user?.nickname ?? user?.openid ?? '';
    const item = typeof req.query.item === 'string' ? req.query.item : '';
    res
      .set('Content-Security-Policy', "default-src 'none'; img-src https:")
      .type('html')
      .send(
        '<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Shop</title>' +
          `<h1>你好，<span class="nickname">${escapeHtml(name)}</span></h1>` +
          (item === '' ? '' : `<p class="item">${escapeHtml(item)}</p>`),
      );
  });

  // Everything else (the webhook, /oauth, /oauth/me, /healthz, …) is the WeChat server's.
  app.use(wechat);
  return Object.assign(app, { shutdown: wechat.shutdown });
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = Number(process.env.PORT ?? 3000);
  createShopApp(loadConfig(process.env)).listen(port, () => console.log(`the shop: http://localhost:${port}/shop`));
}
