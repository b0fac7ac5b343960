import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExpiringMap } from '../src/core/expiring-map.js';

describe('ExpiringMap: the bounded expiring map of the cold paths', () => {
  it('an entry is there until its time, and gone from that very moment', () => {
    let time = 0;
    const map = new ExpiringMap<string, string>({ max: 10, now: () => time });
    map.set('a', 'A', 1000);
    time = 999;
    assert.equal(map.get('a'), 'A');
    time = 1000;
    assert.equal(map.get('a'), undefined);
    assert.equal(map.size, 0, 'dropped when read expired');
  });

  it('holds max entries: the one set longest ago goes first; setting again makes an entry the newest, reading does not', () => {
    const map = new ExpiringMap<string, number>({ max: 2, now: () => 0 });
    map.set('a', 1, Infinity);
    map.set('b', 2, Infinity);
    map.set('a', 3, Infinity); // a is now the newest
    map.set('c', 4, Infinity);
    assert.deepEqual(
      [...map.entries()].map(([key, value]) => [key, value]),
      [
        ['a', 3],
        ['c', 4],
      ],
    );
    assert.equal(map.get('a'), 3); // a read leaves a the oldest
    map.set('d', 5, Infinity);
    assert.equal(map.get('a'), undefined);
    assert.equal(map.size, 2);
  });

  it('a set drops the expired at the front, so that a map of one lifetime never holds the expired past a write', () => {
    let time = 0;
    const map = new ExpiringMap<number, number>({ max: 100, now: () => time });
    for (let i = 0; i < 50; i++) map.set(i, i, time + 1000);
    time = 1000;
    map.set(99, 99, time + 1000);
    assert.equal(map.size, 1);
  });

  it('entries(): those still there, oldest first, with their expiry; the expired dropped on the way', () => {
    let time = 0;
    const map = new ExpiringMap<string, string>({ max: 10, now: () => time });
    map.set('short', 's', 100);
    map.set('long', 'l', 5000);
    map.set('for ever', 'f', Infinity);
    time = 100;
    assert.deepEqual(
      [...map.entries()],
      [
        ['long', 'l', 5000],
        ['for ever', 'f', Infinity],
      ],
    );
    assert.equal(map.size, 2);
  });

  it('delete and clear; a max that is not a whole number ≥ 1 is refused', () => {
    const map = new ExpiringMap<string, string>({ max: 3 });
    map.set('a', 'A', Infinity);
    assert.equal(map.delete('a'), true);
    assert.equal(map.delete('a'), false);
    map.set('b', 'B', Infinity);
    map.clear();
    assert.equal(map.size, 0);
    for (const max of [0, 1.5, NaN, -1]) assert.throws(() => new ExpiringMap({ max }), TypeError);
  });
});
