import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { after, before, describe, it } from 'node:test';
import { SessionUnavailableError } from '../src/core/errors.js';
import { createReplyRouter } from '../src/replies/router.js';
import { createMemorySessionStore } from '../src/replies/session-store.js';
import { MAX_SESSION_BYTES, sessionJson } from '../src/replies/session-value.js';
import { say, textFrom } from './helpers/conversation.js';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { postToWebhook } from './helpers/wechat.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('conversations in the process', () => {
  let app: RunningApp;
  let clock = Date.now();
  let userGate = gate();
  let lateOutcome: Promise<string> | undefined;

  before(async () => {
    const router = createReplyRouter<{ count: number } | { at: string }>().on('text', async (message, { session }) => {
      const [command, argument = ''] = message.Content.split(' ');
      switch (command) {
        case 'count': {
          // Read, wait, write: two of these at once would both write the same count.
          const state = await session.get();
          const count = (state !== undefined && 'count' in state ? state.count : 0) + 1;
          await sleep(Number(argument || 100));
          await session.set({ count });
          return { type: 'text', content: String(count) };
        }
        case 'peek': {
          const state = await session.get();
          return { type: 'text', content: JSON.stringify(state ?? null) };
        }
        case 'wait-for-other-user':
          await userGate.opened;
          return { type: 'text', content: 'the other user went first' };
        case 'open-gate':
          userGate.open();
          return { type: 'text', content: 'opened' };
        case 'set-then-throw':
          await session.set({ count: 41 });
          await sleep(50);
          throw new Error('the handler failed after writing');
        case 'date':
          try {
            await session.set(new Date() as unknown as { at: string });
            return { type: 'text', content: 'stored' };
          } catch (error) {
            return { type: 'text', content: `${(error as Error).name}: ${(error as Error).message}` };
          }
        case 'hang':
          // Reads the state, then outlives its turn and tries to write.
          await session.get();
          lateOutcome = sleep(Number(argument)).then(() =>
            session.set({ count: -1 }).then(
              () => 'written',
              (error: unknown) => (error instanceof SessionUnavailableError ? error.reason : String(error)),
            ),
          );
          await lateOutcome;
          return null;
        default:
          return undefined;
      }
    });
    app = await startApp({ REPLY_TIMEOUT_MS: '2000', SESSION_TTL_S: '60' }, { router, now: () => clock });
  });
  after(() => app.close());

  it('two messages of one user at once are handled one after the other: the second sees the first’s update', async () => {
    const replies = await Promise.all([say(app.url, textFrom('u-serial', 'count 200')), say(app.url, textFrom('u-serial', 'count 10'))]);
    assert.deepEqual(replies, ['1', '2']);
    assert.equal(await say(app.url, textFrom('u-serial', 'peek')), '{"count":2}');
  });

  it('five at once: no update is lost', async () => {
    const replies = await Promise.all(Array.from({ length: 5 }, () => say(app.url, textFrom('u-five', 'count 20'))));
    assert.deepEqual(replies, ['1', '2', '3', '4', '5']);
  });

  it('an account and a user split at another colon are another conversation', async () => {
    const pairs = [
      ['gh_split:x', 'y'],
      ['gh_split', 'x:y'],
      ['gh_split%3Ax', 'y'],
    ] as const;
    for (const expected of ['1', '2']) {
      for (const [account, user] of pairs) {
        assert.equal(await say(app.url, textFrom(user, 'count 0', undefined, account)), expected, `${account} + ${user}`);
      }
    }
  });

  it('two users are not serialised against each other', async () => {
    userGate = gate();
    // If the second user waited for the first, the first would wait for the gate until its deadline.
    const first = say(app.url, textFrom('u-first', 'wait-for-other-user'));
    await sleep(50);
    assert.equal(await say(app.url, textFrom('u-second', 'open-gate')), 'opened');
    assert.equal(await first, 'the other user went first');
  });

  it('a retry of a message still being handled is not queued behind it: it gets the same reply', async () => {
    const xml = textFrom('u-retry', 'count 200');
    const [reply, retry] = await Promise.all([say(app.url, xml), sleep(30).then(() => say(app.url, xml))]);
    assert.equal(reply, '1');
    assert.equal(retry, '1');
    assert.equal(await say(app.url, textFrom('u-retry', 'peek')), '{"count":1}', 'the handler ran once');
  });

  it('a handler that throws ends its turn: the next message goes ahead and sees what it wrote', async () => {
    const failing = postToWebhook(app.url, textFrom('u-throw', 'set-then-throw'));
    // Had the failure kept the turn, this message would wait past its 2 s deadline and get `success`.
    const next = say(app.url, textFrom('u-throw', 'count 1'));
    assert.equal(await (await failing).text(), 'success');
    assert.equal(await next, '42');
  });

  it('a state lives SESSION_TTL_S after its last use (the clock injected)', async () => {
    clock = Date.now();
    assert.equal(await say(app.url, textFrom('u-ttl', 'count 1')), '1');
    clock += 59_000;
    assert.equal(await say(app.url, textFrom('u-ttl', 'count 1')), '2', 'used within the TTL: kept, and kept longer');
    clock += 59_000;
    assert.equal(await say(app.url, textFrom('u-ttl', 'peek')), '{"count":2}', '118 s after the first use, 59 s after the last');
    clock += 60_001;
    assert.equal(await say(app.url, textFrom('u-ttl', 'peek')), 'null', 'expired 60 s after its last use');
  });

  it('a value that is not plain JSON is refused with a TypeError that says why', async () => {
    const reply = await say(app.url, textFrom('u-date', 'date'));
    assert.match(reply, /^TypeError: session\.set: state is a Date, not a plain object/);
    assert.equal(await say(app.url, textFrom('u-date', 'peek')), 'null');
  });

  it('a late handler keeps its user’s turn twice REPLY_TIMEOUT_MS at most, then its session calls fail', async () => {
    const hung = postToWebhook(app.url, textFrom('u-late', 'hang 4500'));
    await sleep(50);
    // Waits for the late handler's turn to end (at 4 s), past its own 2 s deadline: `success`.
    assert.equal(await say(app.url, textFrom('u-late', 'count 1')), 'success');
    assert.equal(await (await hung).text(), 'success');
    assert.equal(await lateOutcome, 'ended');
    assert.equal(await say(app.url, textFrom('u-late', 'peek')), '{"count":1}', 'the waiting message ran once the turn ended');
  });
});

describe('the state’s value', () => {
  it('is stored as JSON; what JSON would change is refused', () => {
    assert.equal(
      sessionJson({ step: 'menu', items: [1, 'two', null, true], note: undefined }),
      '{"step":"menu","items":[1,"two",null,true]}',
    );
    const refused: [unknown, RegExp][] = [
      [undefined, /use session\.clear\(\)/],
      [new Map(), /state is a Map/],
      [{ at: new Date() }, /state\.at is a Date/],
      [{ n: Number.NaN }, /state\.n is NaN/],
      [{ n: 10n }, /state\.n is a bigint/],
      [{ run: () => 1 }, /state\.run is a function/],
      [[1, undefined], /state\[1\] is undefined/],
    ];
    for (const [value, message] of refused) assert.throws(() => sessionJson(value), { name: 'TypeError', message });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    assert.throws(() => sessionJson(cyclic), { name: 'TypeError', message: /state\.self refers back to itself/ });
  });

  it('is 64 KiB of JSON at most', () => {
    assert.equal(sessionJson('x'.repeat(MAX_SESSION_BYTES - 2)).length, MAX_SESSION_BYTES);
    assert.throws(() => sessionJson('界'.repeat(MAX_SESSION_BYTES / 3)), { name: 'RangeError', message: /more than the 65536 \(64 KiB\)/ });
  });
});

describe('the in-process store', () => {
  it('keeps maxSessions conversations at most, forgetting the one untouched longest', async () => {
    let time = 0;
    const store = createMemorySessionStore({ ttlMs: 1000, maxSessions: 2, now: () => time });
    const use = (key: string) => store.hold(key, 100);
    await (await use('a')).write('"A"');
    await (await use('b')).write('"B"');
    assert.equal(await (await use('a')).read(), '"A"'); // a is now the most recent
    await (await use('c')).write('"C"');
    assert.equal(store.size, 2);
    assert.equal(await (await use('b')).read(), undefined, 'b was untouched longest');
    assert.equal(await (await use('a')).read(), '"A"');
    time += 1000;
    assert.equal(await (await use('c')).read(), undefined, 'expired');
  });

  it('does not keep the request bodies its keys were sliced from alive', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const store = createMemorySessionStore({ ttlMs: 60_000 });
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 40; i++) {
      // A 1 MiB "body" per conversation; the key is a slice of it, as a message field is.
      const body = `${String(i).padStart(4, '0')}:o_user_${i}`.padEnd(1 << 20, 'x');
      await (await store.hold(body.slice(0, 20), 100)).write('"kept"');
    }
    gc();
    const grown = (process.memoryUsage().heapUsed - before) / 2 ** 20;
    assert.ok(grown < 10, `the store holds ${grown.toFixed(1)} MiB for 40 conversations of 20-character keys`);
    assert.equal(await (await store.hold('0007:o_user_7'.padEnd(20, 'x'), 100)).read(), '"kept"');
  });
});
