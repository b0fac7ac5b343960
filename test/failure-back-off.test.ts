import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FailureBackOff, FIRST_BACK_OFF_MS, LONGEST_BACK_OFF_MS } from '../src/core/failure-back-off.js';

describe('FailureBackOff', () => {
  it('blocks for the first wait, doubling with each failure in a row up to the longest, per key', () => {
    let clock = 0;
    const backOff = new FailureBackOff<string>({ now: () => clock });
    const error = new Error('refused');
    const waits: number[] = [];
    for (let i = 0; i < 8; i++) {
      const { retryAt } = backOff.failed('a', error);
      waits.push(retryAt - clock);
      assert.equal(backOff.blocking('a')?.error, error);
      assert.equal(backOff.blocking('b'), undefined, 'another key is not blocked');
      clock = retryAt - 1;
      assert.notEqual(backOff.blocking('a'), undefined);
      clock = retryAt;
      assert.equal(backOff.blocking('a'), undefined);
    }
    assert.deepEqual(waits, [2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000]);
    assert.equal(waits[0], FIRST_BACK_OFF_MS);
    assert.equal(waits.at(-1), LONGEST_BACK_OFF_MS);
  });

  it('a success, or a failure long after the last wait, starts again from the first wait', () => {
    let clock = 0;
    const backOff = new FailureBackOff<string>({ now: () => clock });
    backOff.failed('a', 1);
    clock = backOff.failed('a', 2).retryAt;
    backOff.succeeded('a');
    assert.equal(backOff.failed('a', 3).retryAt - clock, FIRST_BACK_OFF_MS);
    clock = backOff.failed('a', 4).retryAt + LONGEST_BACK_OFF_MS;
    assert.equal(backOff.failed('a', 5).retryAt - clock, FIRST_BACK_OFF_MS);
  });
});
