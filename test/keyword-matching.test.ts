import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileKeywords, fillGroups, foldAscii } from '../src/replies-file/match-keywords.js';
import type { Reply } from '../src/protocol/reply-types.js';
import type { KeywordRule } from '../src/replies-file/schema.js';

const reply = (content: string) => ({ type: 'text' as const, content });

function matcher(rules: KeywordRule[]) {
  return compileKeywords(rules, (index) => {
    const value = rules[index]!.reply;
    return typeof value === 'string' ? reply(value) : (value as Reply | null);
  });
}
const answer = (rules: KeywordRule[], content: string) => {
  const found = matcher(rules).match(content);
  return found === undefined ? undefined : found === null ? null : 'content' in found ? found.content : found.type;
};

describe('keyword matching', () => {
  it('the earliest rule wins whichever kind it is', () => {
    const rules: KeywordRule[] = [
      { regex: '^a(\\d)$', reply: 'regex $1' },
      { exact: 'a1', reply: 'exact a1' },
      { exact: ['b', 'a2'], reply: 'exact b' },
      { contains: 'a', reply: 'contains a' },
      { exact: 'ab', reply: 'exact ab' },
      { exact: 'b', reply: 'second b' },
    ];
    assert.equal(answer(rules, 'a1'), 'regex 1');
    assert.equal(answer(rules, 'A2'), 'exact b');
    assert.equal(answer(rules, 'ab'), 'contains a');
    assert.equal(answer(rules, ' B '), 'exact b');
    assert.equal(answer(rules, 'zzz'), undefined);
  });

  it('a thousand exact rules: each answers its own keyword, and the first of two equal ones wins', () => {
    const rules: KeywordRule[] = Array.from({ length: 1000 }, (_, i) => ({ exact: [`关键词${i}`], reply: `回复${i}` }));
    rules.push({ exact: '关键词500', reply: 'later duplicate' });
    const match = matcher(rules);
    for (const i of [0, 1, 499, 500, 999]) assert.deepEqual(match.match(`关键词${i}`), reply(`回复${i}`));
    assert.equal(match.match('关键词1000'), undefined);
  });

  it('ASCII case only: other scripts are compared as written', () => {
    assert.equal(foldAscii('HeLLo ÄÖ ＡＢ Σ'), 'hello ÄÖ ＡＢ Σ');
    assert.equal(foldAscii(' Vip99 '), ' vip99 ');
    assert.equal(foldAscii('我要VIP会员'), '我要vip会员');
    // Every string folds exactly as a letter-by-letter A–Z → a–z would (property).
    const byLetter = (text: string) => text.replace(/[A-Z]/g, (letter) => String.fromCharCode(letter.charCodeAt(0) + 32));
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme-ascii' }), fc.string()), (text) => {
        assert.equal(foldAscii(text), byLetter(text));
      }),
      { numRuns: 2000 },
    );
    assert.equal(answer([{ exact: 'straße', reply: 'ok' }], 'STRASSE'), undefined);
    assert.equal(answer([{ exact: 'Straße', reply: 'ok' }], 'STRAßE'), 'ok');
  });

  it('$1…$9 and $$, in Chinese text', () => {
    const groups = /^(订单)(\d+)(号)?$/u.exec('订单42')!;
    assert.equal(fillGroups('$1「$2」$3完成，$$2 元', groups), '订单「42」完成，$2 元');
    assert.equal(answer([{ regex: '^(.+)店在哪', reply: '找「$1」' }], '北京店在哪里'), '找「北京」');
    // Outside regex rules a dollar is just a dollar.
    assert.equal(answer([{ exact: '价', reply: '$1 起' }], '价'), '$1 起');
  });

  it('a reply of null is kept apart from no match', () => {
    assert.equal(answer([{ contains: '投诉', reply: null }], '我要投诉'), null);
  });
});
