import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { Reply } from '../../src/protocol/reply-types.js';
import { createReplyRouter } from '../../src/replies/router.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { eventXml, postToWebhook, signedQuery, textXml } from '../helpers/wechat.js';
import { until } from '../helpers/until.js';

const DEADLINE_MS = 300;
/**
 * How late past REPLY_TIMEOUT_MS a reply may leave: WeChat waits 5 s and the default
 * REPLY_TIMEOUT_MS is 4.5 s, so a reply later than that by 500 ms is lost. The bounds
 * below that use it are the deadline (behaviour), not speed.
 */
const WECHAT_MARGIN_MS = 500;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WeChat’s retries and the 5-second deadline', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  const runs = new Map<string, number>();
  const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
  /** A `slow:` text with a gate here waits for the test to open it, not a fixed time. */
  const gates = new Map<string, Promise<void>>();

  before(async () => {
    fake = await new FakeWeChat().start();
    const router = createReplyRouter()
      .on('text', async (message) => {
        count(message.Content);
        if (message.Content.startsWith('slow:')) {
          await (gates.get(message.Content) ?? sleep(DEADLINE_MS + 200));
          return { type: 'text', content: `late answer to ${message.Content}` };
        }
        if (message.Content.startsWith('slow-image:')) {
          await sleep(DEADLINE_MS + 200);
          return { type: 'image', mediaId: 'late-media' };
        }
        if (message.Content.startsWith('slow-handover:')) {
          await sleep(DEADLINE_MS + 200);
          return { type: 'transfer_customer_service', kfAccount: 'test1@test' };
        }
        if (message.Content === 'never') return new Promise<Reply>(() => undefined);
        if (message.Content.startsWith('wait:')) await sleep(150);
        return undefined; // the default echo
      })
      .on('event.CLICK', (event) => {
        count(`CLICK ${event.EventKey}`);
        return { type: 'text', content: `clicked ${event.EventKey}` };
      });
    app = await startApp({ ...fake.env(), REPLY_TIMEOUT_MS: String(DEADLINE_MS) }, { router });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.calls.length = 0;
  });

  const sent = () =>
    fake
      .callsTo('/cgi-bin/message/custom/send')
      .map((call) => call.body as { touser: string; msgtype: string; text?: { content: string } });

  it('the same message posted twice in a row: the handler runs once, the answers are byte-identical', async () => {
    const xml = textXml('twice');
    const first = await (await postToWebhook(app.url, xml)).text();
    await sleep(1100); // a later second: CreateTime in the reply must not differ
    const second = await (await postToWebhook(app.url, xml, signedQuery())).text();
    assert.equal(runs.get('twice'), 1);
    assert.equal(second, first);
  });

  it('three times at once: the handler runs once, all three answers are byte-identical', async () => {
    const xml = textXml('wait: three at once');
    const answers = await Promise.all([1, 2, 3].map(async () => (await postToWebhook(app.url, xml)).text()));
    assert.equal(runs.get('wait: three at once'), 1);
    assert.equal(new Set(answers).size, 1);
    assert.match(answers[0] ?? '', /wait: three at once/);
  });

  it('the same event twice: the handler runs once', async () => {
    const xml = eventXml('CLICK', { EventKey: 'menu_retry' });
    const first = await (await postToWebhook(app.url, xml)).text();
    const second = await (await postToWebhook(app.url, xml)).text();
    assert.equal(runs.get('CLICK menu_retry'), 1);
    assert.equal(second, first);
  });

  it('two different messages with the same content are not retries', async () => {
    await postToWebhook(app.url, textXml('same words'));
    await postToWebhook(app.url, textXml('same words'));
    assert.equal(runs.get('same words'), 2);
  });

  it('a handler slower than the deadline: success at the deadline, the reply as a customer-service text', { timeout: 30_000 }, async () => {
    // The handler cannot finish before the test lets it: `success` came without it.
    let letGo: () => void = () => undefined;
    gates.set('slow: please wait', new Promise<void>((resolve) => (letGo = resolve)));
    const started = Date.now();
    const response = await postToWebhook(app.url, textXml('slow: please wait'));
    const elapsed = Date.now() - started;
    const answer = await response.text();
    const sentBefore = sent().length;
    letGo();
    assert.equal(answer, 'success');
    assert.equal(sentBefore, 0);
    // It waited for the handler until the deadline, and not past it by WeChat's margin.
    assert.ok(elapsed >= DEADLINE_MS - 20 && elapsed < DEADLINE_MS + WECHAT_MARGIN_MS, `answered after ${elapsed} ms`);
    await until(() => sent().length === 1, 'the customer-service send');
    assert.deepEqual(sent()[0], { touser: 'o_user_openid', msgtype: 'text', text: { content: 'late answer to slow: please wait' } });
  });

  it('a late image goes out as a customer-service image', async () => {
    assert.equal(await (await postToWebhook(app.url, textXml('slow-image: pic'))).text(), 'success');
    await until(() => sent().length === 1, 'the customer-service send');
    assert.deepEqual(fake.callsTo('/cgi-bin/message/custom/send')[0]?.body, {
      touser: 'o_user_openid',
      msgtype: 'image',
      image: { media_id: 'late-media' },
    });
  });

  it('a late hand-over to customer service: success at the deadline, nothing sent, the loss logged', async () => {
    const xml = textXml('slow-handover: an agent please');
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    const dropped = 'a hand-over to customer service came after the deadline';
    await until(() => app.logs.some((line) => String(line.msg).startsWith(dropped)), 'the dropped hand-over in the log');
    const line = app.logs.find((entry) => String(entry.msg).startsWith(dropped));
    assert.equal(line?.level, 50);
    assert.equal(line?.reply, 'transfer_customer_service');
    // Its retry gets the same success, and runs nothing again.
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    await sleep(100);
    assert.equal(runs.get('slow-handover: an agent please'), 1);
    assert.equal(sent().length, 0, 'a hand-over has no customer-service message');
  });

  it('a retry of a message past its deadline gets success and sends nothing twice', async () => {
    const xml = textXml('slow: retried');
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    await until(() => sent().length >= 1, 'the customer-service send');
    await sleep(300);
    assert.equal(runs.get('slow: retried'), 1);
    assert.equal(sent().length, 1);
  });

  it('a failed customer-service send is logged with WeChat’s errcode', async () => {
    fake.on('/cgi-bin/message/custom/send', { errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' });
    await postToWebhook(app.url, textXml('slow: too late'));
    await until(() => app.logs.some((line) => line.errcode === 45015), 'the errcode in the log');
    const line = app.logs.find((entry) => entry.errcode === 45015);
    assert.equal(line?.level, 50);
    assert.equal(line?.type, 'text');
  });

  // A response that waited for the handler would never come: the timeout fails that.
  it('a handler that never finishes: success at the deadline, and its retries too', { timeout: 30_000 }, async () => {
    const xml = textXml('never');
    const started = Date.now();
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    const elapsed = Date.now() - started;
    assert.ok(elapsed < DEADLINE_MS + WECHAT_MARGIN_MS, `answered after ${elapsed} ms`);
    const retryStarted = Date.now();
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    const retryElapsed = Date.now() - retryStarted;
    assert.ok(retryElapsed < DEADLINE_MS + WECHAT_MARGIN_MS, `the retry answered after ${retryElapsed} ms`);
    assert.equal(runs.get('never'), 1);
  });

  it('a 5,000-byte Chinese text: success, then customer-service texts that join back exactly', async () => {
    const content = `${'微信公众号'.repeat(333)}😀 end`; // 4,995 bytes of 3-byte characters, an emoji, ASCII
    assert.ok(Buffer.byteLength(content) > 4096 && Buffer.byteLength(content) < 6144);
    const response = await postToWebhook(app.url, textXml(content));
    assert.equal(await response.text(), 'success');
    await until(() => sent().length === 3, 'three pieces');
    const pieces = sent().map((body) => body.text?.content ?? '');
    for (const piece of pieces) assert.ok(Buffer.byteLength(piece) <= 2048, `${Buffer.byteLength(piece)} bytes`);
    assert.equal(pieces.join(''), content);
  });

  it('a text of 100 KiB goes out in 5 pieces at most, the rest dropped and logged', async () => {
    const content = 'x'.repeat(100 * 1024);
    const response = await postToWebhook(app.url, textXml(content));
    assert.equal(await response.text(), 'success');
    await until(() => app.logs.some((line) => line.msg === 'a long text was cut: only its first pieces were sent'), 'the warning');
    assert.equal(sent().length, 5);
    assert.equal(
      sent()
        .map((body) => body.text?.content ?? '')
        .join(''),
      content.slice(0, 5 * 2048),
    );
    assert.equal(app.logs.find((line) => line.dropped !== undefined)?.dropped, 45);
  });

  it('a text of exactly 2048 bytes is still passive', async () => {
    const content = 'a'.repeat(2045) + '中';
    assert.equal(Buffer.byteLength(content), 2048);
    const text = await (await postToWebhook(app.url, textXml(content))).text();
    assert.ok(text.includes(content));
    assert.equal(sent().length, 0);
  });
});

describe('a shutdown while a late reply is on its way', () => {
  it('waits for the late reply to go out as a customer-service message before closing', async () => {
    const fake = await new FakeWeChat().start();
    const router = createReplyRouter().on('text', async () => {
      await sleep(DEADLINE_MS + 100); // answered "success" at the deadline, ready soon after
      return { type: 'text', content: 'late but delivered' };
    });
    const app = await startApp({ ...fake.env(), REPLY_TIMEOUT_MS: String(DEADLINE_MS) }, { router });
    try {
      assert.equal(await (await postToWebhook(app.url, textXml('deploy now'))).text(), 'success');
    } finally {
      await app.close(); // as on SIGTERM: the server closes, then the services
      await fake.stop();
    }
    const sent = fake.callsTo('/cgi-bin/message/custom/send').map((call) => (call.body as { text?: { content: string } }).text?.content);
    assert.deepEqual(sent, ['late but delivered']);
  });
});

describe('the retry memory through the webhook', () => {
  it('RETRY_MEMORY_MB bounds the answers kept: past it the oldest retry runs the handler again, a recent one does not', async () => {
    const runs = new Map<string, number>();
    const router = createReplyRouter().on('text', (message) => {
      runs.set(message.Content, (runs.get(message.Content) ?? 0) + 1);
      return undefined; // the default echo
    });
    const app = await startApp({ RETRY_MEMORY_MB: '1' }, { router });
    try {
      // 600 echoes of ~2.2 KB each: more than 1 MiB holds.
      const messages = Array.from({ length: 600 }, (_, i) => textXml(`${String(i).padStart(4, '0')} ${'中'.repeat(650)}`, `9${i}`));
      for (const xml of messages) assert.equal((await postToWebhook(app.url, xml)).status, 200);
      const oldest = messages[0] as string;
      const newest = messages[599] as string;
      await postToWebhook(app.url, oldest);
      await postToWebhook(app.url, newest);
      const ran = (i: number) => runs.get(`${String(i).padStart(4, '0')} ${'中'.repeat(650)}`);
      assert.equal(ran(0), 2, 'the oldest answer was forgotten');
      assert.equal(ran(599), 1, 'the newest answer was kept');
    } finally {
      await app.close();
    }
  });
});
