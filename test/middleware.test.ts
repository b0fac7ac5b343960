import assert from 'node:assert/strict';
import express from 'express';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { createReplyRouter, loadConfig, wechatMiddleware } from '../src/index.js';
import { TEST_TOKEN } from './helpers/start-app.js';
import { readReply, sha1Signature, signedQuery, textXml } from './helpers/wechat.js';

describe('wechatMiddleware in an Express app of one’s own', () => {
  it('mounted after a body parser: a 500 that says why, not a hang', async () => {
    const config = loadConfig({ WECHAT_TOKEN: TEST_TOKEN, LOG_LEVEL: 'silent' });
    const app = express();
    app.use(express.text({ type: '*/*' }));
    const webhook = wechatMiddleware(config);
    app.use('/wechat', webhook);
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const response = await fetch(`${base}/wechat?${signedQuery()}`, {
        method: 'POST',
        body: textXml('x'),
        signal: AbortSignal.timeout(3000),
      });
      assert.equal(response.status, 500);
    } finally {
      server.close();
      await webhook.shutdown();
    }
  });

  it('serves the webhook where it is mounted, beside the app’s own routes', async () => {
    const config = loadConfig({ WECHAT_TOKEN: TEST_TOKEN, LOG_LEVEL: 'silent' });
    const router = createReplyRouter().on('text', (message) => ({ type: 'text', content: `mounted: ${message.Content}` }));
    const app = express();
    app.get('/', (_req, res) => {
      res.send('my own home page');
    });
    const webhook = wechatMiddleware(config, { router });
    app.use('/hooks/wechat', webhook);
    app.use(express.json()); // a body parser after the webhook does not disturb it
    const server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      assert.equal(await (await fetch(`${base}/`)).text(), 'my own home page');

      const verify = await fetch(`${base}/hooks/wechat?signature=${sha1Signature(TEST_TOKEN, '1', '2')}&timestamp=1&nonce=2&echostr=hello`);
      assert.equal(await verify.text(), 'hello');

      const response = await fetch(`${base}/hooks/wechat?${signedQuery()}`, { method: 'POST', body: textXml('你好') });
      assert.equal(response.status, 200);
      assert.equal(readReply(await response.text()).Content, 'mounted: 你好');

      const defaults = await fetch(`${base}/hooks/wechat?${signedQuery()}`, {
        method: 'POST',
        body: '<xml><ToUserName>gh</ToUserName><FromUserName>u</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>SCAN</Event><EventKey>5</EventKey></xml>',
      });
      assert.equal(readReply(await defaults.text()).Content, '您扫描的场景值为:5');

      assert.equal(
        (await fetch(`${base}/hooks/wechat?signature=00&timestamp=1&nonce=2`, { method: 'POST', body: textXml('x') })).status,
        403,
      );
    } finally {
      server.close();
      await webhook.shutdown();
    }
  });
});
