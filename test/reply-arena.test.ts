import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReplyArena } from '../src/replay-memory/reply-arena.js';

describe('the reply arena (replay-memory/reply-arena)', () => {
  it('gives back the bytes written at a position, as a copy', () => {
    const arena = new ReplyArena(100);
    const a = arena.write(Buffer.from('first'));
    const b = arena.write(Buffer.from('second'));
    assert.equal(arena.read(a, 5).toString(), 'first');
    const copy = arena.read(b, 6);
    arena.write(Buffer.alloc(80, 0x78)); // does not reach b's bytes
    assert.equal(copy.toString(), 'second');
    assert.equal(arena.read(b, 6).toString(), 'second');
  });

  it('wraps round to the start when a write would not fit before the end', () => {
    const arena = new ReplyArena(10);
    const a = arena.write(Buffer.from('aaaaaa'));
    const b = arena.write(Buffer.from('bbbbb')); // 6 + 5 > 10: written at 0, over a
    assert.equal(arena.read(b, 5).toString(), 'bbbbb');
    assert.equal(arena.holds(b), true);
    assert.equal(arena.holds(a), false, 'a’s bytes were written over');
  });

  it('holds bytes until a later lap reaches them', () => {
    const arena = new ReplyArena(10);
    arena.write(Buffer.from('11'));
    const kept = arena.write(Buffer.from('2222')); // at 2 to 6
    arena.write(Buffer.from('3333')); // at 6 to 10
    arena.write(Buffer.from('44')); // next lap, at 0 to 2
    assert.equal(arena.holds(kept), true);
    assert.equal(arena.read(kept, 4).toString(), '2222');
    arena.write(Buffer.from('5')); // at 2: over kept's first byte
    assert.equal(arena.holds(kept), false);
  });

  it('refuses bytes larger than the arena, and keeps empty ones', () => {
    const arena = new ReplyArena(4);
    assert.equal(arena.write(Buffer.alloc(5)), -1);
    const empty = arena.write(Buffer.alloc(0));
    assert.equal(arena.holds(empty), true);
    assert.equal(arena.read(empty, 0).length, 0);
    const full = arena.write(Buffer.from('abcd'));
    assert.equal(arena.read(full, 4).toString(), 'abcd');
  });
});
