import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClaimsInProgress, type FirstClaim } from '../src/replies/claims-in-progress.js';
import type { RecordedReply } from '../src/replies/retry-store.js';

describe('claims in progress (replies/claims-in-progress)', () => {
  it('a claim is found by key until settled, and its reply recorded once', async () => {
    const settled: [FirstClaim, RecordedReply][] = [];
    const running = new ClaimsInProgress((claim, reply) => settled.push([claim, reply]));
    const claim = running.start('k', 3, 7);
    assert.equal(running.find('k'), claim);
    assert.deepEqual([claim.first, claim.slot, claim.claim], [true, 3, 7]);
    const waiting = claim.recorded();
    claim.settle(Buffer.from('<xml/>'));
    claim.settle(null);
    assert.equal(running.find('k'), undefined);
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

  it('an older claim settling does not remove a newer claim on the same key', () => {
    const running = new ClaimsInProgress(() => undefined);
    const old = running.start('k', 0, 1);
    const newer = running.start('k', 1, 2);
    old.settle(null);
    assert.equal(running.find('k'), newer);
  });
});
