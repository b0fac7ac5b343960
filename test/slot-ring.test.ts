import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NO_REPLY_LENGTH, PENDING, SlotRing } from '../src/replay-memory/slot-ring.js';

describe('the slot ring (replay-memory/slot-ring)', () => {
  it('opens a pending slot per key and finds it by key', () => {
    const ring = new SlotRing(4);
    const slot = ring.open('a', 100);
    assert.equal(ring.find('a'), slot);
    assert.equal(ring.find('b'), -1);
    assert.equal(ring.length(slot), PENDING);
    assert.equal(ring.expiresAt(slot), 100);
    assert.equal(ring.size, 1);
  });

  it('records a reply only for the claim that opened the slot', () => {
    const ring = new SlotRing(1);
    const slot = ring.open('a', 100);
    const claim = ring.claimOf(slot);
    assert.equal(ring.open('b', 100), slot, 'a full ring of one gives the same slot to b');
    assert.equal(ring.record(slot, claim, 5, 7), false, 'a’s late reply must not land in b’s slot');
    assert.equal(ring.length(slot), PENDING);
    assert.equal(ring.record(slot, ring.claimOf(slot), 5, 7), true);
    assert.deepEqual([ring.position(slot), ring.length(slot)], [5, 7]);
    assert.equal(ring.find('a'), -1);
    assert.equal(ring.find('b'), slot);
  });

  it('forgets the oldest slot when full, and never holds more than its size', () => {
    const ring = new SlotRing(3);
    for (const key of ['a', 'b', 'c', 'd', 'e']) ring.open(key, 100);
    assert.equal(ring.size, 3);
    assert.deepEqual(
      ['a', 'b', 'c', 'd', 'e'].map((key) => ring.find(key) !== -1),
      [false, false, true, true, true],
    );
  });

  it('sweeps expired slots from the oldest, stopping at one still pending', () => {
    const ring = new SlotRing(4);
    const a = ring.open('a', 10);
    ring.record(a, ring.claimOf(a), 0, NO_REPLY_LENGTH);
    ring.open('b', 10); // pending
    const c = ring.open('c', 10);
    ring.record(c, ring.claimOf(c), 0, 3);
    ring.sweep(9);
    assert.equal(ring.size, 3, 'nothing expired yet');
    ring.sweep(10);
    assert.deepEqual([ring.find('a'), ring.find('b') !== -1, ring.find('c') !== -1], [-1, true, true]);
  });

  it('forget lets a key be found no more', () => {
    const ring = new SlotRing(2);
    const slot = ring.open('a', 10);
    ring.forget(slot);
    assert.equal(ring.find('a'), -1);
    assert.equal(ring.size, 0);
  });
});
