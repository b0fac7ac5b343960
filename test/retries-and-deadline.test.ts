import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { customMessageBody, splitText } from '../src/api/custom-message.js';
import type { Reply } from '../src/protocol/reply-types.js';
import { KeyTable } from '../src/replies/key-table.js';
import { createMemoryRetryStore } from '../src/replies/retry-store.js';
import { createReplyRouter } from '../src/replies/router.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { eventXml, postToWebhook, signedQuery, textXml } from './helpers/wechat.js';

const DEADLINE_MS = 300;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('WeChat’s retries and the 5-second deadline', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  const runs = new Map<string, number>();
  const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);

  before(async () => {
    fake = await new FakeWeChat().start();
    const router = createReplyRouter()
      .on('text', async (message) => {
        count(message.Content);
        if (message.Content.startsWith('slow:')) {
          await sleep(DEADLINE_MS + 200);
          return { type: 'text', content: `late answer to ${message.Content}` };
        }
        if (message.Content.startsWith('slow-image:')) {
          await sleep(DEADLINE_MS + 200);
          return { type: 'image', mediaId: 'late-media' };
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

  it('a handler slower than the deadline: success at the deadline, the reply as a customer-service text', async () => {
    const started = Date.now();
    const response = await postToWebhook(app.url, textXml('slow: please wait'));
    const elapsed = Date.now() - started;
    assert.equal(await response.text(), 'success');
    assert.ok(elapsed >= DEADLINE_MS - 20 && elapsed < DEADLINE_MS + 150, `answered after ${elapsed} ms`);
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

  it('a handler that never finishes: success at the deadline, and retries answered at once', async () => {
    const xml = textXml('never');
    const started = Date.now();
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    assert.ok(Date.now() - started < DEADLINE_MS + 150);
    const retryStarted = Date.now();
    assert.equal(await (await postToWebhook(app.url, xml)).text(), 'success');
    assert.ok(Date.now() - retryStarted < 100, 'the retry waited for the handler');
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

describe('the retry store and customer-service messages', () => {
  it('the in-memory retry store stays bounded under 200,000 distinct messages', async () => {
    const store = createMemoryRetryStore({ maxEntries: 10_000 });
    for (let i = 0; i < 200_000; i++) {
      const claim = await store.claim(`gh\u0000${i}`);
      if (claim.first) claim.settle({ contentType: 'text/plain', body: Buffer.from('success') });
      assert.ok(store.size <= 10_000);
    }
    assert.equal(store.size, 10_000);
  });

  it('never hands a retry bytes other than its first answer, whatever the settle order and sizes (property)', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 40 }), size: fc.integer({ min: 0, max: 400 }), settleLater: fc.boolean() }), {
          maxLength: 200,
        }),
        async (operations) => {
          const checks: Promise<void>[] = [];
          const store = createMemoryRetryStore({ maxEntries: 16, maxBytes: 1000 });
          // The body of each key's latest first delivery, settled or not: what its retries must get.
          const latest = new Map<string, Buffer>();
          const unsettled: (() => void)[] = [];
          let serial = 0;
          for (const { key, size, settleLater } of operations) {
            const name = `k${key}`;
            const claim = store.claim(name);
            if (claim.first) {
              const body = Buffer.alloc(size, serial++ % 251);
              latest.set(name, body);
              const settle = () => claim.settle({ contentType: 'application/xml; charset=utf-8', body });
              if (settleLater) unsettled.push(settle);
              else settle();
            } else {
              const expected = latest.get(name);
              checks.push(
                claim.answer.then((answer) => {
                  assert.deepEqual(answer.body, expected);
                }),
              );
            }
            if (unsettled.length > 3) unsettled.shift()?.();
            assert.ok(store.size <= 16);
          }
          for (const settle of unsettled) settle();
          await Promise.all(checks);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('finds, adds and removes keys exactly as a Map would, long, short and non-ASCII (property)', async () => {
    const fc = (await import('fast-check')).default;
    const key = fc.oneof(
      fc.constantFrom('a', 'b', 'é', '中文', ''),
      fc.string({ maxLength: 40 }),
      fc.string({ minLength: 30, maxLength: 80 }),
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), key), { maxLength: 300 }), (operations) => {
        const slots = 8;
        const table = new KeyTable(slots);
        const model = new Map<string, number>();
        for (const [add, name] of operations) {
          assert.equal(table.find(name), model.get(name) ?? -1, `find ${JSON.stringify(name)}`);
          if (add && !model.has(name) && model.size < slots) {
            const used = new Set(model.values());
            const slot = [...Array(slots).keys()].find((s) => !used.has(s)) as number;
            table.add(name, slot);
            model.set(name, slot);
          } else if (!add && model.has(name)) {
            table.remove(model.get(name) as number);
            model.delete(name);
          }
          assert.equal(table.size, model.size);
          for (const [held, slot] of model) assert.equal(table.find(held), slot);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('tells apart two keys of one length whose hashes collide', () => {
    const table = new KeyTable(4);
    table.add('k1062789', 0); // these two have the same 32-bit FNV-1a hash
    assert.equal(table.find('k1279192'), -1);
    table.add('k1279192', 1);
    assert.deepEqual([table.find('k1062789'), table.find('k1279192')], [0, 1]);
    table.remove(0);
    assert.deepEqual([table.find('k1062789'), table.find('k1279192')], [-1, 1]);
  });

  it('a retry waits for a first answer still running even after the ring forgot its slot', async () => {
    const store = createMemoryRetryStore({ maxEntries: 2, maxBytes: 1000 });
    const a = store.claim('a');
    assert.ok(a.first);
    for (const key of ['b', 'c']) {
      const claim = store.claim(key);
      assert.ok(claim.first);
      claim.settle({ contentType: 'text/plain', body: Buffer.from(key) });
    }
    const retry = store.claim('a');
    assert.ok(!retry.first, 'the handler must not run again while the first is running');
    a.settle({ contentType: 'text/plain', body: Buffer.from('answer a') });
    assert.equal((await retry.answer).body.toString(), 'answer a');
  });

  it('keeps recent answers and forgets those the arena has reused', async () => {
    const store = createMemoryRetryStore({ maxEntries: 100, maxBytes: 1000 });
    for (let i = 0; i < 10; i++) {
      const claim = store.claim(`m${i}`);
      assert.ok(claim.first);
      claim.settle({ contentType: 'application/xml; charset=utf-8', body: Buffer.alloc(300, i) });
    }
    const recent = store.claim('m9');
    assert.ok(!recent.first);
    assert.deepEqual((await recent.answer).body, Buffer.alloc(300, 9));
    assert.equal(store.claim('m0').first, true, 'm0’s bytes were reused');
  });

  it('keeps each answer’s content type, and forgets (rather than alters) one too large to keep', async () => {
    const store = createMemoryRetryStore({ maxEntries: 10, maxBytes: 100 });
    const typed = store.claim('typed');
    assert.ok(typed.first);
    typed.settle({ contentType: 'text/html; charset=utf-8', body: Buffer.from('<p>hi</p>') });
    const retry = store.claim('typed');
    assert.ok(!retry.first);
    assert.deepEqual({ ...(await retry.answer) }, { contentType: 'text/html; charset=utf-8', body: Buffer.from('<p>hi</p>') });

    const big = store.claim('big');
    assert.ok(big.first);
    big.settle({ contentType: 'application/xml; charset=utf-8', body: Buffer.alloc(101, 1) });
    assert.equal(store.claim('big').first, true, 'a retry runs the handler again rather than get another answer');
  });

  it('refuses bounds that are not whole numbers ≥ 1, and more than 1 GiB of answers', () => {
    assert.throws(() => createMemoryRetryStore({ maxEntries: 0 }), TypeError);
    assert.throws(() => createMemoryRetryStore({ maxBytes: 0 }), TypeError);
    assert.throws(() => createMemoryRetryStore({ maxEntries: 1.5 }), TypeError);
    assert.throws(() => createMemoryRetryStore({ maxBytes: 2 ** 30 + 1 }), TypeError, 'more than 1 GiB');
  });

  it('forgets a message after 60 s', async () => {
    let now = 0;
    const store = createMemoryRetryStore({ maxEntries: 100, now: () => now });
    const first = await store.claim('k');
    assert.ok(first.first);
    first.settle({ contentType: 'text/plain', body: Buffer.from('success') });
    now += 59_999;
    assert.equal((await store.claim('k')).first, false);
    now += 2;
    assert.equal((await store.claim('k')).first, true);
  });

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

  it('splits text between code points into pieces of at most 2048 bytes', () => {
    const text = `${'a'.repeat(2047)}😀${'中'.repeat(1000)}`;
    const pieces = splitText(text);
    assert.equal(pieces.join(''), text);
    assert.equal(pieces[0], 'a'.repeat(2047));
    for (const piece of pieces) assert.ok(Buffer.byteLength(piece) <= 2048);
    assert.deepEqual(splitText(''), ['']);
  });

  it('shapes every reply kind as WeChat’s customer-service JSON', () => {
    assert.deepEqual(customMessageBody('o', { type: 'voice', mediaId: 'v' }), { touser: 'o', msgtype: 'voice', voice: { media_id: 'v' } });
    assert.deepEqual(customMessageBody('o', { type: 'video', mediaId: 'm', title: 't', description: 'd' }), {
      touser: 'o',
      msgtype: 'video',
      video: { media_id: 'm', title: 't', description: 'd' },
    });
    assert.deepEqual(customMessageBody('o', { type: 'music', title: 't', musicUrl: 'u', hqMusicUrl: 'h', thumbMediaId: 'th' }), {
      touser: 'o',
      msgtype: 'music',
      music: { title: 't', description: '', musicurl: 'u', hqmusicurl: 'h', thumb_media_id: 'th' },
    });
    assert.deepEqual(customMessageBody('o', { type: 'news', articles: [{ title: 't', url: 'u', picUrl: 'p' }] }), {
      touser: 'o',
      msgtype: 'news',
      news: { articles: [{ title: 't', description: '', url: 'u', picurl: 'p' }] },
    });
  });
});
