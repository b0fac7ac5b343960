import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { raceDeadline } from '../src/replies/deadline.js';

/** Lets the settled promises' callbacks run. */
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the reply deadline race (replies/deadline), on mock timers', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  it('work that settles before the deadline wins with its value', async () => {
    let finish!: (value: string) => void;
    const work = new Promise<string>((resolve) => (finish = resolve));
    let raced: unknown;
    void raceDeadline(work, 5000).then((value) => (raced = value));
    mock.timers.tick(4999);
    finish('reply');
    await flush();
    assert.deepEqual(raced, { late: false, value: 'reply' });
  });

  it('work still running at the deadline is late, at that moment and not before', async () => {
    const work = new Promise<string>(() => undefined);
    let raced: unknown;
    void raceDeadline(work, 5000).then((value) => (raced = value));
    mock.timers.tick(4999);
    await flush();
    assert.equal(raced, undefined, 'not late 1 ms before the deadline');
    mock.timers.tick(1);
    await flush();
    assert.deepEqual(raced, { late: true });
  });

  it('work that settles after the deadline does not change the outcome, and goes on', async () => {
    let finish!: (value: string) => void;
    const work = new Promise<string>((resolve) => (finish = resolve));
    const raced = raceDeadline(work, 100);
    mock.timers.tick(100);
    assert.deepEqual(await raced, { late: true });
    finish('late reply');
    assert.equal(await work, 'late reply');
  });

  it('leaves no timer behind once the work has won', async () => {
    const cleared = mock.method(globalThis, 'clearTimeout');
    try {
      assert.deepEqual(await raceDeadline(Promise.resolve(1), 5000), { late: false, value: 1 });
      assert.equal(cleared.mock.callCount(), 1);
    } finally {
      cleared.mock.restore();
    }
  });
});
