import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { printable } from '../src/cli/printable.js';

describe('printable: outside text as the CLIs print it', () => {
  it('escapes what a terminal acts on, bidirectional reordering and line separators included', () => {
    assert.equal(printable('a\u001b[31mred\u009b'), 'a\\u001b[31mred\\u009b');
    // "evil‮txt.exe" would show as "evilexe.txt".
    assert.equal(printable('evil\u202etxt.exe'), 'evil\\u202etxt.exe');
    assert.equal(printable('\u2066\u2069\u200e\u200f\u2028\u2029'), '\\u2066\\u2069\\u200e\\u200f\\u2028\\u2029');
  });

  it('keeps text as it is, and line feeds and tabs when asked to', () => {
    assert.equal(printable('你好 — “ok”'), '你好 — “ok”');
    assert.equal(printable('a\n\tb', { lines: true }), 'a\n\tb');
    assert.equal(printable('a\n\tb'), 'a\\u000a\\u0009b');
  });
});
