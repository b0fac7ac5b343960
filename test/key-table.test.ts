import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { KEY_BYTES, KeyTable } from '../src/replay-memory/key-table.js';

describe('the key table (replay-memory/key-table)', () => {
  it('finds, adds and removes keys exactly as a Map would, short and non-ASCII (property)', () => {
    const key = fc
      .oneof(fc.constantFrom('a', 'b', 'é', '中文', ''), fc.string({ maxLength: 32 }), fc.string({ minLength: 28, maxLength: 32 }))
      .filter((name) => Buffer.byteLength(name) <= KEY_BYTES);
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

  it('holds keys of up to 32 UTF-8 bytes, such as a base64 digest, and refuses longer ones', () => {
    const table = new KeyTable(2);
    const digest = 'x'.repeat(28);
    table.add(digest, 0);
    table.add('中'.repeat(10) + 'ab', 1); // 32 bytes
    assert.deepEqual([table.find(digest), table.find('中'.repeat(10) + 'ab')], [0, 1]);
    assert.throws(() => table.find('中'.repeat(11)), RangeError);
    assert.throws(() => table.add('y'.repeat(33), 0), RangeError);
  });

  it('removing a slot that holds no key, or is out of range, changes nothing', () => {
    const table = new KeyTable(2);
    table.add('a', 0);
    table.remove(1);
    table.remove(7);
    assert.equal(table.size, 1);
    assert.equal(table.find('a'), 0);
  });
});
