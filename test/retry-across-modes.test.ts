import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createReplyRouter } from '../src/replies/router.js';
import { PrivateRedis, describeWithRedis } from './helpers/redis-server.js';
import { startApp, type RunningApp, untilRedisReady } from './helpers/start-app.js';
import { postToWebhook, readReply, signedQuery, textXml } from './helpers/wechat.js';
import { WeChatCrypto } from './helpers/wechat-crypto.js';

const TOKEN = 'mode-token';
const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx_mode_switch_0001';
const wechat = new WeChatCrypto(AES_KEY, TOKEN, APPID);
const SAFE_MODE = { WECHAT_TOKEN: TOKEN, WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID };

/** Counts each Content's runs and answers with it. */
function countingRouter(runs: Map<string, number>) {
  return createReplyRouter().on('text', (message) => {
    runs.set(message.Content, (runs.get(message.Content) ?? 0) + 1);
    return { type: 'text', content: `answer to ${message.Content}` };
  });
}

async function postPlaintext(app: RunningApp, xml: string): Promise<string> {
  const response = await postToWebhook(app.url, xml, signedQuery({}, TOKEN));
  assert.equal(response.status, 200);
  return response.text();
}

async function postSealed(app: RunningApp, xml: string): Promise<string> {
  const { query, body } = wechat.request(xml);
  const response = await postToWebhook(app.url, body, query);
  assert.equal(response.status, 200);
  return response.text();
}

/**
 * WeChat retries the same MsgId in the other mode while an account switches its
 * encryption setting: each answer must be in the mode of its own request, and say the same.
 */
function crossModeRetries(name: string, apps: () => { first: RunningApp; retry: RunningApp }, runs: Map<string, number>): void {
  it(`${name}: plaintext first, safe-mode retry: the retry’s reply is sealed and decrypts to the same reply`, async () => {
    const { first, retry } = apps();
    const xml = textXml('plain then sealed');
    const plain = await postPlaintext(first, xml);
    assert.equal(readReply(plain).Content, 'answer to plain then sealed');
    const sealed = await postSealed(retry, xml);
    assert.match(sealed, /^<xml><Encrypt>/);
    assert.equal(wechat.openReply(sealed), plain);
    assert.equal(runs.get('plain then sealed'), 1);
  });

  it(`${name}: safe mode first, plaintext retry: the retry’s reply is plaintext and the same reply`, async () => {
    const { first, retry } = apps();
    const xml = textXml('sealed then plain');
    const sealed = await postSealed(first, xml);
    const opened = wechat.openReply(sealed);
    assert.equal(readReply(opened).Content, 'answer to sealed then plain');
    const plain = await postPlaintext(retry, xml);
    assert.equal(plain, opened);
    assert.equal(runs.get('sealed then plain'), 1);
  });

  it(`${name}: a safe-mode URL replayed with a plaintext body of someone else’s making: 403`, async () => {
    const { first, retry } = apps();
    const xml = textXml('sealed, then forged as plaintext');
    const { query, body } = wechat.request(xml);
    assert.equal((await postToWebhook(first.url, body, query)).status, 200);
    // The plaintext body is not covered by the signature: a captured URL must not carry another.
    const params = new URLSearchParams(query);
    const forged = new URLSearchParams({
      signature: params.get('signature')!,
      timestamp: params.get('timestamp')!,
      nonce: params.get('nonce')!,
    });
    assert.equal((await postToWebhook(retry.url, xml, forged.toString())).status, 403);
  });

  it(`${name}: a retry in the same mode still gets the first answer’s bytes`, async () => {
    const { first, retry } = apps();
    const xml = textXml('sealed twice');
    const sealed = await postSealed(first, xml);
    assert.equal(await postSealed(retry, xml), sealed);
    assert.equal(runs.get('sealed twice'), 1);
  });
}

describe('a retry in the other mode than its first delivery (in-memory retry store)', () => {
  let app: RunningApp;
  const runs = new Map<string, number>();
  before(async () => {
    app = await startApp(SAFE_MODE, { router: countingRouter(runs) });
  });
  after(() => app.close());

  crossModeRetries('one instance', () => ({ first: app, retry: app }), runs);
});

describeWithRedis('a retry in the other mode than its first delivery (Redis retry store)', () => {
  let redis: PrivateRedis;
  let instances: RunningApp[];
  const runs = new Map<string, number>();
  before(async () => {
    redis = await PrivateRedis.start();
    const router = countingRouter(runs);
    instances = await Promise.all([1, 2].map(() => startApp({ ...SAFE_MODE, REDIS_URL: redis.url }, { router })));
    await untilRedisReady(...instances);
  });
  after(async () => {
    await Promise.all(instances.map((app) => app.close()));
    await redis.stop();
  });

  // The retry reaches the other instance, which reads the reply from Redis.
  crossModeRetries('two instances', () => ({ first: instances[0]!, retry: instances[1]! }), runs);
});
