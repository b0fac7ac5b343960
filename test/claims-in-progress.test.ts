import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClaimsInProgress, type FirstClaim } from '../src/replay-memory/claims-in-progress.js';
import type { RecordedReply } from '../src/replay-memory/recorded-reply.js';

describe('claims in progress (replay-memory/claims-in-progress)', () => {
  it('a claim is found by its slot until settled, and its reply recorded once', async () => {
    const settled: [FirstClaim, RecordedReply][] = [];
    const running = new ClaimsInProgress((claim, reply) => settled.push([claim, reply]));
    const claim = running.start('k', 3, 7);
    assert.equal(running.inSlot(3), claim);
    assert.equal(running.size, 1);
    assert.deepEqual([claim.first, claim.slot, claim.claim], [true, 3, 7]);
    const waiting = claim.recorded();
    claim.settle(Buffer.from('<xml/>'));
    claim.settle(null);
    assert.equal(running.inSlot(3), undefined);
    assert.equal(running.size, 0);
    assert.equal(settled.length, 1);
    assert.equal((await waiting)?.toString(), '<xml/>');
    assert.equal((await claim.recorded())?.toString(), '<xml/>', 'a retry after settling gets the reply too');
  });

  it('records the reply before a waiting retry receives it', async () => {
    const order: string[] = [];
    const running = new ClaimsInProgress(() => order.push('recorded'));
    const claim = running.start('k', 0, 1);
    const waiting = claim.recorded().then(() => order.push('retry answered'));
    claim.settle(null);
    await waiting;
    assert.deepEqual(order, ['recorded', 'retry answered']);
  });

  it('a claim whose slot is reused is found by its key until it settles, and leaves the slot to the newer claim', async () => {
    const settled: FirstClaim[] = [];
    const running = new ClaimsInProgress((claim) => settled.push(claim));
    const old = running.start('a', 0, 1);
    assert.equal(running.displaced('a'), undefined);
    running.displace(0);
    assert.equal(running.inSlot(0), undefined);
    assert.equal(running.displaced('a'), old);
    const newer = running.start('b', 0, 2);
    assert.equal(running.size, 2);
    const waiting = old.recorded();
    old.settle(Buffer.from('<a/>'));
    assert.equal((await waiting)?.toString(), '<a/>');
    assert.equal(running.displaced('a'), undefined);
    assert.equal(running.inSlot(0), newer, 'the newer claim keeps the slot');
    assert.equal(running.size, 1);
    newer.settle(null);
    assert.deepEqual(settled, [old, newer]);
    assert.equal(running.size, 0);
  });

  it('displacing a slot with no claim running changes nothing', () => {
    const running = new ClaimsInProgress(() => undefined);
    running.displace(5);
    assert.equal(running.size, 0);
    assert.equal(running.displaced('k'), undefined);
  });
});
