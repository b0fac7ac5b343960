import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { createLiveFeed, LIVE_PER_SECOND, type LiveMessage } from '../src/console/live-feed.js';
import type { WebhookAdapterAccount } from '../src/http/webhook.js';
import { toMessage } from '../src/protocol/to-message.js';

// The live stream's rate (test/console.test.ts takes it through HTTP): which messages
// use it, and who hears what was not shown.

const account = (name: string) => ({ name }) as unknown as WebhookAdapterAccount;
const text = (content: string) =>
  toMessage({ ToUserName: 'gh_test', FromUserName: 'o_user_openid', CreateTime: '1', MsgType: 'text', Content: content, MsgId: '1' });

describe('the live feed', () => {
  it("another account's burst neither shows nor uses the rate of a watcher of one account", async () => {
    const feed = createLiveFeed(pino({ level: 'silent' }));
    const shown: LiveMessage[] = [];
    const skipped: number[] = [];
    const stop = feed.watch({ accounts: new Set(['shop']), send: (message) => shown.push(message), skipped: (n) => skipped.push(n) });
    try {
      for (let i = 0; i < 3 * LIVE_PER_SECOND; i++) feed.answered(account('other'), text(`other ${i}`), 'reply', 1, () => undefined);
      feed.answered(account('shop'), text('mine'), 'reply', 1, () => undefined);
      await turn();
      assert.deepEqual(
        shown.map((message) => [message.account, message.content]),
        [['shop', 'mine']],
      );
      assert.deepEqual(skipped, []);
    } finally {
      stop();
    }
  });

  it("past the rate, a watcher hears only its own accounts' count", async () => {
    const feed = createLiveFeed(pino({ level: 'silent' }));
    const heard = new Map<string, number>();
    const watch = (name: string) =>
      feed.watch({ accounts: new Set([name]), send: () => undefined, skipped: (n) => heard.set(name, (heard.get(name) ?? 0) + n) });
    const stops = [watch('a'), watch('b')];
    try {
      for (let i = 0; i < LIVE_PER_SECOND + 7; i++) feed.answered(account('a'), text(`a ${i}`), 'reply', 1, () => undefined);
      for (let i = 0; i < 3; i++) feed.answered(account('b'), text(`b ${i}`), 'reply', 1, () => undefined);
      const deadline = Date.now() + 3_000;
      while ((heard.get('a') ?? 0) + (heard.get('b') ?? 0) < 10 && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(heard.get('a'), 7);
      assert.equal(heard.get('b'), 3);
    } finally {
      for (const stop of stops) stop();
    }
  });
});
