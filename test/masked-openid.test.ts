import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskedOpenid } from '../src/core/masked-openid.js';

describe('maskedOpenid: the first 4 and last 4 characters', () => {
  const cases: [string, string][] = [
    ['oAbCdefghijklmnopqrstuvwxYz', 'oAbC…wxYz'],
    ['o6_bmjrPTlm6_2sgVt7hMZOPfL2M', 'o6_b…fL2M'],
    ['oFollower_0001', 'oFol…0001'],
    ['abcdefghijk', 'ab…jk'],
    ['abcdefghijkl', 'abcd…ijkl'],
    ['abcdefgh', 'ab…gh'],
    ['abc', '…'],
    ['', '…'],
    ['😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀x', '😀😀😀😀…😀😀😀x'],
  ];
  for (const [openid, masked] of cases) {
    it(`${JSON.stringify(openid)} → ${masked}`, () => assert.equal(maskedOpenid(openid), masked));
  }

  it('never shows a whole openid, whatever its length', () => {
    for (let length = 0; length <= 40; length++) {
      const openid = 'x'.repeat(length);
      const shown = maskedOpenid(openid).replace('…', '').length;
      assert.ok(shown <= (length * 2) / 3, `${length}: shows ${shown}`);
    }
  });
});
