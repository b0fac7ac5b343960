import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_REPLY } from '../src/replay-memory/recorded-reply.js';
import { createMemoryRetryStore, RETRY_WINDOW_MS } from '../src/replay-memory/retry-store.js';

describe('the in-memory retry store (replay-memory/retry-store)', () => {
  it('stays bounded under 200,000 distinct messages', async () => {
    const store = createMemoryRetryStore({ maxEntries: 10_000 });
    for (let i = 0; i < 200_000; i++) {
      const claim = await store.claim(`gh\u0000${i}`);
      if (claim.first) claim.settle(NO_REPLY);
      assert.ok(store.size <= 10_000);
    }
    assert.equal(store.size, 10_000);
  });

  it('never hands a retry bytes other than its first reply, whatever the settle order and sizes (property)', async () => {
    const fc = (await import('fast-check')).default;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 40 }), size: fc.integer({ min: 0, max: 400 }), settleLater: fc.boolean() }), {
          maxLength: 200,
        }),
        async (operations) => {
          const checks: Promise<void>[] = [];
          const store = createMemoryRetryStore({ maxEntries: 16, maxBytes: 1000 });
          // The reply of each key's latest first delivery, settled or not: what its retries must get.
          const latest = new Map<string, Buffer>();
          const unsettled: (() => void)[] = [];
          // Keys whose first delivery is still running: a retry of one is never a first delivery.
          const running = new Set<string>();
          let serial = 0;
          for (const { key, size, settleLater } of operations) {
            const name = `k${key}`;
            const claim = store.claim(name);
            if (claim.first) {
              assert.ok(!running.has(name), `${name} was claimed again while its first delivery was running`);
              const reply = Buffer.alloc(size, serial++ % 251);
              latest.set(name, reply);
              running.add(name);
              const settle = () => {
                running.delete(name);
                claim.settle(reply);
              };
              if (settleLater) unsettled.push(settle);
              else settle();
            } else {
              const expected = latest.get(name);
              checks.push(
                claim.recorded.then((reply) => {
                  assert.deepEqual(reply, expected);
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

  it('a retry waits for a first reply still running even after the ring forgot its slot', async () => {
    const store = createMemoryRetryStore({ maxEntries: 2, maxBytes: 1000 });
    const a = store.claim('a');
    assert.ok(a.first);
    for (const key of ['b', 'c']) {
      const claim = store.claim(key);
      assert.ok(claim.first);
      claim.settle(Buffer.from(key));
    }
    const retry = store.claim('a');
    assert.ok(!retry.first, 'the handler must not run again while the first is running');
    a.settle(Buffer.from('reply a'));
    assert.equal((await retry.recorded)?.toString(), 'reply a');
  });

  it('keeps recent replies and forgets those the arena has reused', async () => {
    const store = createMemoryRetryStore({ maxEntries: 100, maxBytes: 1000 });
    for (let i = 0; i < 10; i++) {
      const claim = store.claim(`m${i}`);
      assert.ok(claim.first);
      claim.settle(Buffer.alloc(300, i));
    }
    const recent = store.claim('m9');
    assert.ok(!recent.first);
    assert.deepEqual(await recent.recorded, Buffer.alloc(300, 9));
    assert.equal(store.claim('m0').first, true, 'm0’s bytes were reused');
  });

  it('tells no reply from a reply, and forgets (rather than alters) one too large to keep', async () => {
    const store = createMemoryRetryStore({ maxEntries: 10, maxBytes: 100 });
    const none = store.claim('none');
    assert.ok(none.first);
    none.settle(NO_REPLY);
    const empty = store.claim('empty');
    assert.ok(empty.first);
    empty.settle(Buffer.alloc(0));
    const typed = store.claim('typed');
    assert.ok(typed.first);
    typed.settle(Buffer.from('<p>hi</p>'));
    const [noneRetry, emptyRetry, typedRetry] = [store.claim('none'), store.claim('empty'), store.claim('typed')];
    assert.ok(!noneRetry.first && !emptyRetry.first && !typedRetry.first);
    assert.equal(await noneRetry.recorded, NO_REPLY);
    assert.deepEqual(await emptyRetry.recorded, Buffer.alloc(0));
    assert.deepEqual(await typedRetry.recorded, Buffer.from('<p>hi</p>'));

    const big = store.claim('big');
    assert.ok(big.first);
    big.settle(Buffer.alloc(101, 1));
    assert.equal(store.claim('big').first, true, 'a retry runs the handler again rather than get another reply');
  });

  it('refuses bounds that are not whole numbers ≥ 1, and more than 1 GiB of replies', () => {
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
    first.settle(NO_REPLY);
    now += RETRY_WINDOW_MS - 1;
    assert.equal(RETRY_WINDOW_MS, 60_000);
    assert.equal((await store.claim('k')).first, false);
    now += 2;
    assert.equal((await store.claim('k')).first, true);
  });

  it('sweeps expired messages, so that the ring makes room without forgetting live ones', () => {
    let now = 0;
    const store = createMemoryRetryStore({ maxEntries: 3, now: () => now });
    for (const key of ['a', 'b']) {
      const claim = store.claim(key);
      assert.ok(claim.first);
      claim.settle(NO_REPLY);
    }
    now = RETRY_WINDOW_MS;
    const c = store.claim('c');
    assert.ok(c.first);
    assert.equal(store.size, 1, 'a and b expired and were swept');
  });
});
