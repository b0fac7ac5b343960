import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Counter } from 'prom-client';
import type { Reply } from '../src/protocol/reply-types.js';
import { createReplyRouter } from '../src/replies/router.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from './helpers/redis-server.js';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { eventXml, messageXml, postToWebhook, signedQuery, textXml } from './helpers/wechat.js';

const ADMIN_TOKEN = 'metrics-admin-7c41e9';
const bearer = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const DEADLINE_MS = 100;

/** One sample of the text format: its name, its labels, its value. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)",?/gy;

/** A small parser of Prometheus's text format 0.0.4: every sample must follow its family's # TYPE. */
function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  const typed = new Set<string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) typed.add(type[1] ?? '');
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    assert.ok(match !== null, `not a sample: ${line}`);
    const [, name = '', rawLabels = '', rawValue = ''] = match;
    const family = name.replace(/_(bucket|sum|count)$/, '');
    assert.ok(typed.has(name) || typed.has(family), `${name} has no # TYPE before it`);
    const labels: Record<string, string> = {};
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let label = LABEL.exec(rawLabels); label !== null; label = LABEL.exec(rawLabels)) {
      labels[label[1] ?? ''] = label[2] ?? '';
      consumed = LABEL.lastIndex;
    }
    assert.equal(consumed, rawLabels.length, `bad labels in ${line}`);
    // Go's ParseFloat, which Prometheus uses, takes NaN in any case (prom-client writes "Nan").
    const value = /^nan$/i.test(rawValue) ? NaN : Number(rawValue);
    assert.ok(/^nan$/i.test(rawValue) || !Number.isNaN(value), `bad value in ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The value of one series (0 when absent), matched on exactly these labels. */
function valueOf(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels);
  const found = samples.find(
    (sample) =>
      sample.name === name &&
      Object.keys(sample.labels).length === wanted.length &&
      wanted.every(([key, value]) => sample.labels[key] === value),
  );
  return found?.value ?? 0;
}

async function scrape(app: RunningApp): Promise<Sample[]> {
  const response = await fetch(`${app.url}/metrics`, { headers: bearer });
  assert.equal(response.status, 200);
  return parseMetrics(await response.text());
}

const messages = (type: string, outcome: string) => ['wechat_messages_total', { type, outcome }] as const;

async function eventually(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe('GET /metrics', () => {
  let fake: FakeWeChat;
  let app: RunningApp;

  before(async () => {
    fake = await new FakeWeChat().start();
    const router = createReplyRouter().on('text', (message) => {
      if (message.Content === 'never') return new Promise<Reply>(() => undefined);
      if (message.Content === 'throw') throw new Error('a failing handler');
      if (message.Content === 'quiet') return null;
      return { type: 'text', content: `echo ${message.Content}` };
    });
    app = await startApp({ ...fake.env(), ADMIN_TOKEN, REPLY_TIMEOUT_MS: String(DEADLINE_MS) }, { router });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });

  it('is refused without the admin token, and with a wrong one', async () => {
    const none = await fetch(`${app.url}/metrics`);
    assert.equal(none.status, 401);
    assert.doesNotMatch(await none.text(), /wechat_/);
    const wrong = await fetch(`${app.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}x` } });
    assert.equal(wrong.status, 401);
  });

  it('answers Prometheus text format 0.0.4 with the series and Node’s process metrics', async () => {
    const response = await fetch(`${app.url}/metrics`, { headers: bearer });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const text = await response.text();
    for (const family of ['wechat_messages_total', 'wechat_api_calls_total', 'wechat_token_refreshes_total']) {
      assert.match(text, new RegExp(`^# TYPE ${family} counter$`, 'm'));
    }
    assert.match(text, /^# TYPE wechat_reply_seconds histogram$/m);
    assert.match(text, /^wechat_reply_seconds_bucket\{le="4.5"\} /m);
    assert.match(text, /^# TYPE process_cpu_user_seconds_total counter$/m);
    assert.match(text, /^# TYPE nodejs_heap_size_used_bytes gauge$/m);
    // Without REDIS_URL there is no Redis to report on.
    assert.doesNotMatch(text, /wechat_redis_up/);
    parseMetrics(text);
  });

  it('counts each text answered with a reply exactly once, and times each answer', async () => {
    const before = await scrape(app);
    const sent = 7;
    for (let i = 0; i < sent; i++) {
      const response = await postToWebhook(app.url, textXml(`hello ${i}`));
      assert.equal(response.status, 200);
      assert.match(await response.text(), /echo hello/);
    }
    const after = await scrape(app);
    assert.equal(valueOf(after, ...messages('text', 'replied')) - valueOf(before, ...messages('text', 'replied')), sent);
    assert.equal(valueOf(after, 'wechat_reply_seconds_count') - valueOf(before, 'wechat_reply_seconds_count'), sent);
    assert.equal(valueOf(after, 'wechat_reply_seconds_bucket', { le: '+Inf' }), valueOf(after, 'wechat_reply_seconds_count'));
    assert.ok(valueOf(after, 'wechat_reply_seconds_sum') > valueOf(before, 'wechat_reply_seconds_sum'));
  });

  it('counts success, a retry, a handler error, a deadline, a refusal and an unknown type by their outcome', async () => {
    const before = await scrape(app);

    assert.equal(await (await postToWebhook(app.url, textXml('quiet'))).text(), 'success');
    const xml = textXml('once');
    assert.match(await (await postToWebhook(app.url, xml)).text(), /echo once/);
    assert.match(await (await postToWebhook(app.url, xml)).text(), /echo once/, 'the retry gets the same reply');
    assert.equal(await (await postToWebhook(app.url, textXml('throw'))).text(), 'success');
    assert.equal(await (await postToWebhook(app.url, textXml('never'))).text(), 'success');
    const forged = await postToWebhook(app.url, textXml('forged'), signedQuery({}, 'not-the-token'));
    assert.equal(forged.status, 403);
    const unsigned = await postToWebhook(app.url, textXml('unsigned'), 'timestamp=1&nonce=2');
    assert.equal(unsigned.status, 400);
    assert.equal((await postToWebhook(app.url, messageXml('hologram', { MsgId: '1' }))).status, 200);

    const after = await scrape(app);
    const moved = (type: string, outcome: string) =>
      valueOf(after, ...messages(type, outcome)) - valueOf(before, ...messages(type, outcome));
    assert.equal(moved('text', 'success'), 1);
    assert.equal(moved('text', 'replied'), 1);
    assert.equal(moved('text', 'retry'), 1);
    assert.equal(moved('text', 'handler_error'), 1);
    assert.equal(moved('text', 'deadline'), 1);
    assert.equal(moved('none', 'refused'), 2);
    assert.equal(moved('unknown', 'replied'), 1, 'the fallback reply');
    assert.equal(moved('hologram', 'replied'), 0, 'an unknown type is not a label of its own');
    // Every answered message is timed once; refusals are not.
    assert.equal(valueOf(after, 'wechat_reply_seconds_count') - valueOf(before, 'wechat_reply_seconds_count'), 6);
  });

  it('counts an event (which has no MsgId) under its own type, not as a refusal, and times it', async () => {
    const before = await scrape(app);
    const subscribe = await postToWebhook(app.url, eventXml('subscribe'));
    assert.equal(subscribe.status, 200);
    await subscribe.text();
    const after = await scrape(app);
    const moved = (type: string, outcome: string) =>
      valueOf(after, ...messages(type, outcome)) - valueOf(before, ...messages(type, outcome));
    assert.equal(moved('event.subscribe', 'replied') + moved('event.subscribe', 'success'), 1);
    assert.equal(moved('none', 'refused'), 0);
    assert.equal(valueOf(after, 'wechat_reply_seconds_count') - valueOf(before, 'wechat_reply_seconds_count'), 1);
  });

  it('counts every call to WeChat by path and errcode, and every new access token', async () => {
    const created = '/cgi-bin/qrcode/create';
    const calls = (samples: Sample[], path: string, errcode: string) => valueOf(samples, 'wechat_api_calls_total', { path, errcode });
    const qrcode = (scene: number) => fetch(`${app.url}/qrcode?scene_id=${scene}&format=json`, { headers: bearer });
    const before = await scrape(app);

    assert.equal((await qrcode(1)).status, 200);
    fake.on(created, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
    assert.equal((await qrcode(2)).status, 502);
    fake.revokeTokens();
    assert.equal((await qrcode(3)).status, 200, 'a revoked token is refreshed and the call made again');

    const after = await scrape(app);
    assert.equal(calls(after, created, '0') - calls(before, created, '0'), 2);
    assert.equal(calls(after, created, '45009') - calls(before, created, '45009'), 1);
    assert.equal(calls(after, created, '40001') - calls(before, created, '40001'), 1);
    assert.equal(valueOf(after, 'wechat_token_refreshes_total'), fake.tokenFetches());
    assert.equal(valueOf(after, 'wechat_token_refreshes_total') - valueOf(before, 'wechat_token_refreshes_total'), 2);
    // No query in a path, so no token in a label.
    assert.ok(after.every((sample) => !JSON.stringify(sample.labels).includes('access_token')));
  });

  it('counts a call that got no answer as unreachable', async () => {
    const unreachable = await startApp({
      WECHAT_APPID: 'wx0000000000000001',
      WECHAT_APPSECRET: 'secret',
      WECHAT_API_BASE: 'http://127.0.0.1:9',
      ADMIN_TOKEN,
    });
    try {
      const response = await fetch(`${unreachable.url}/qrcode?scene_id=1&format=json`, { headers: bearer });
      assert.equal(response.status, 502);
      const samples = await scrape(unreachable);
      assert.equal(valueOf(samples, 'wechat_api_calls_total', { path: '/cgi-bin/stable_token', errcode: 'unreachable' }), 1);
      assert.equal(valueOf(samples, 'wechat_token_refreshes_total'), 0);
    } finally {
      await unreachable.close();
    }
  });

  it('keeps one registry per app: another app’s messages do not move this one’s counters', async () => {
    const other = await startApp({ ADMIN_TOKEN });
    try {
      const before = await scrape(app);
      assert.equal((await postToWebhook(other.url, textXml('elsewhere'))).status, 200);
      const after = await scrape(app);
      assert.deepEqual(valueOf(after, ...messages('text', 'replied')), valueOf(before, ...messages('text', 'replied')));
      assert.equal(valueOf(await scrape(other), ...messages('text', 'replied')), 1);
    } finally {
      await other.close();
    }
  });
});

describe('GET /metrics for a library user', () => {
  it('serves the metrics an application adds to app.metrics', async () => {
    const { createApp } = await import('../src/app.js');
    const { loadConfig } = await import('../src/core/config.js');
    const wechat = createApp(loadConfig({ WECHAT_TOKEN: 'library-token', ADMIN_TOKEN }));
    const orders = new Counter({ name: 'shop_orders_total', help: 'Orders taken', registers: [wechat.metrics] });
    orders.inc(3);
    const server = wechat.listen(0, '127.0.0.1');
    try {
      await new Promise<void>((resolve) => server.once('listening', resolve));
      const { port } = server.address() as { port: number };
      const response = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: bearer });
      assert.equal(valueOf(parseMetrics(await response.text()), 'shop_orders_total'), 3);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await wechat.shutdown();
    }
  });
});

describeWithRedis('wechat_redis_up', () => {
  it('is 1 while Redis answers, and 0 once it is stopped', async () => {
    const redis = await PrivateRedis.start();
    const app = await startApp({ REDIS_URL: redis.url, ADMIN_TOKEN });
    try {
      const up = async () => valueOf(await scrape(app), 'wechat_redis_up');
      await eventually('Redis up', async () => (await up()) === 1);
      await redis.stop();
      await eventually('Redis down', async () => (await up()) === 0);
      const text = await (await fetch(`${app.url}/metrics`, { headers: bearer })).text();
      assert.match(text, /^# TYPE wechat_redis_up gauge$/m);
    } finally {
      await app.close();
      await redis.stop();
    }
  });
});
