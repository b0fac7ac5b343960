import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RE2JS } from 're2js';
import { parseReplies } from '../src/replies-file/load.js';
import { toRe2Syntax } from '../src/replies-file/rule-regex-syntax.js';
import { compileRuleRegex, RULE_REGEX_LIMITS, RuleRegexError } from '../src/replies-file/rule-regex.js';
import { startApp } from './helpers/start-app.js';
import { exchange, textXml } from './helpers/wechat.js';

const problemsOf = (pattern: string): readonly string[] => {
  const loaded = parseReplies(`keywords:\n  - regex: ${JSON.stringify(pattern)}\n    reply: x\n`, 'replies.yaml');
  return loaded.ok ? [] : loaded.problems;
};

describe('a regex rule cannot block the event loop', () => {
  // With a backtracking engine these texts take hours: the timeout fails the test long before.
  it('the rule that froze the server for 11.6 s answers a 2048-digit text while the loop keeps turning', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'regex-freeze-'));
    const file = join(dir, 'replies.yaml');
    writeFileSync(file, "keywords:\n  - regex: '^(\\d+\\s*)+$'\n    reply: 全是数字\nmessage: 收到\n");
    const app = await startApp({ REPLIES_FILE: file });
    const lag = monitorEventLoopDelay({ resolution: 5 });
    try {
      lag.enable();
      // With a backtracking engine 31 characters took 11.6 s and each one more doubles it.
      for (const text of ['1'.repeat(40) + 'x', '1 '.repeat(1023) + 'x', '1'.repeat(2048)]) {
        const reply = await exchange(app.url, textXml(text));
        assert.equal(reply.Content, text.endsWith('x') ? '收到' : '全是数字');
      }
      lag.disable();
      // Behaviour, not speed: the server must not freeze. A matcher that gave up after a
      // budget of steps, or a long stall, would answer in time for the timeout yet block
      // every other request meanwhile; a linear match of 2048 characters takes a few ms,
      // and 10 s leaves any loaded machine room.
      assert.ok(lag.max / 1e6 < 10_000, `the event loop stalled for ${(lag.max / 1e6).toFixed(0)} ms`);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // Each accepted pattern meets each text: for a backtracking engine some of these pairs
  // never end ((\w+\s?){1,14}$ on 2047 x's and a '!' tries every split of the x's into
  // at most 14 words, some 10^33), so the timeout fails it.
  it('every rule the checker accepts matches 2048-character hostile texts without hanging', { timeout: 60_000 }, () => {
    // Families that make a backtracking engine explode, or RE2's automaton large, at every
    // size up to the program-size limit; the checker refuses the larger ones.
    const families = [
      (k: number) => `(\\w+\\s?){1,${k}}$`,
      (k: number) => `(a|ab|b){1,${k}}$`,
      (k: number) => `(.*a){${k}}`,
      (k: number) => `(\\d+\\s*){${k}}$`,
      (k: number) => `([\\s\\S]*x){1,${k}}y`,
      (k: number) => `(?i)(x+x+)+y{0,${k}}`,
      (k: number) => `[ab]*a[ab]{${k}}$`,
      // Nested repetitions: (a*)* itself is refused (its empty repetition means another thing in RE2).
      (k: number) => `(${'(a+)+'.repeat(Math.min(k, 8))})+$`,
    ];
    const texts = ['a '.repeat(1024), 'a'.repeat(2048), '1 '.repeat(1024), 'ab'.repeat(1024), 'x'.repeat(2047) + '!', '中'.repeat(2048)];
    let accepted = 0;
    let matched = 0;
    for (const family of families) {
      for (let k = 1; k <= 60; k += 1) {
        const pattern = family(k);
        let regex;
        try {
          regex = compileRuleRegex(pattern);
        } catch (error) {
          assert.ok(error instanceof RuleRegexError);
          continue;
        }
        accepted += 1;
        for (const text of texts) if (regex.match(text, true) !== null) matched += 1;
      }
    }
    assert.ok(accepted > 60, `only ${accepted} adversarial patterns were accepted: the check proves little`);
    // Both answers came: the texts were matched, not skipped (as one over the length limit is).
    assert.ok(matched > 0 && matched < accepted * texts.length, `${matched} of ${accepted * texts.length} matched`);
  });

  it('a text longer than the limit skips regex rules (and is still answered)', () => {
    const regex = compileRuleRegex('^a+$');
    assert.deepEqual(regex.match('a'.repeat(RULE_REGEX_LIMITS.textLength), false), true);
    assert.equal(regex.match('a'.repeat(RULE_REGEX_LIMITS.textLength + 1), false), null);
  });
});

describe('the checker compiles every regex as the server will run it', () => {
  it('a 100,000-character pattern is refused with its length, not at every message', () => {
    assert.deepEqual(problemsOf('a'.repeat(100_000)), [`replies.yaml:2: keywords[0].regex: is 100000 characters long; the limit is 500`]);
  });

  it('a pattern too costly to match is refused, naming its size and what to write instead', () => {
    const [problem] = problemsOf('^(查询|搜索)(.{1,80})$');
    assert.match(
      problem ?? '',
      /keywords\[0\]\.regex: is too complex to match in bounded time \(program size \d+, the limit is 100\): use \+ or \*/,
    );
  });

  it('lookaround and back-references are refused with RE2’s reason', () => {
    assert.match(problemsOf('(?=a)b')[0] ?? '', /does not compile: invalid or unsupported Perl syntax: `\(\?=`.*RE2 syntax/);
    assert.match(problemsOf('(a)\\1')[0] ?? '', /does not compile: invalid escape sequence: `\\1`/);
  });

  it('a syntax error quotes the pattern as written, not as rewritten', () => {
    assert.deepEqual(problemsOf('^订单\\s*(\\d+'), [
      'replies.yaml:2: keywords[0].regex: does not compile: missing closing ): `^订单\\s*(\\d+`',
    ]);
  });
});

describe('JavaScript’s spelling of a regex keeps its meaning', () => {
  const groups = (pattern: string, text: string) => compileRuleRegex(pattern).match(text, true);

  it('\\s matches the ideographic space a Chinese keyboard types, as in JavaScript', () => {
    assert.deepEqual(groups('^订单\\s*(\\d+)$', '订单\u3000123'), ['订单\u3000123', '123']);
    assert.deepEqual(groups('^订单[\\s:：]*(\\d+)$', '订单：\u00a07'), ['订单：\u00a07', '7']);
    assert.equal(groups('^\\S+$', '订单\u3000123'), null);
  });

  it('\\uXXXX and \\u{…} are code points', () => {
    assert.deepEqual(groups('^[\\u4e00-\\u9fff]+$', '你好'), ['你好']);
    assert.deepEqual(groups('^\\u{1F600}$', '😀'), ['😀']);
  });

  it('a group that took no part is null, filled as empty', () => {
    assert.deepEqual(groups('^a(b)?c$', 'ac'), ['ac', null]);
  });

  it('escaped backslashes, classes and \\Q…\\E pass through unchanged', () => {
    assert.equal(toRe2Syntax('\\\\s[\\]s]\\Q\\s\\E'), '\\\\s[\\]s]\\Q\\s\\E');
    assert.equal(toRe2Syntax('[[:alpha:]\\s]'), `[[:alpha:]${toRe2Syntax('\\s').slice(1, -1)}]`);
  });
});

/** What JavaScript (Unicode mode) finds, in the shape of RuleRegex.match: `[whole, $1…]`, null for a group that took no part. */
function inJavaScript(pattern: string, text: string): (string | null)[] | null {
  const found = new RegExp(pattern, 'u').exec(text);
  return found && Array.from(found, (group) => group ?? null);
}

function assertAsInJavaScript(pattern: string, texts: readonly string[]): void {
  const regex = compileRuleRegex(pattern);
  for (const text of texts) {
    assert.deepEqual(regex.match(text, true), inJavaScript(pattern, text), `${pattern} on ${JSON.stringify(text)}`);
  }
}

function assertRefused(pattern: string, reason: RegExp): void {
  assert.throws(
    () => compileRuleRegex(pattern),
    (error) => error instanceof RuleRegexError && reason.test(error.message),
    pattern,
  );
}

describe('a pattern means what it means in JavaScript, or is refused', () => {
  it('an escaped surrogate pair is one character; half of one is refused', () => {
    assertAsInJavaScript('^\\uD83D\\uDE00$', ['😀', '\uD83D', 'x']);
    assertAsInJavaScript('^\\uD83D\\uDE00?$', ['', '😀', '😀😀']);
    assertAsInJavaScript('^[\\uD83D\\uDE00-\\uD83D\\uDE4F]+$', ['😀😂', '😀x', '🙏']);
    for (const half of ['\\uD83D', 'a\\uDE00', '\\u{D83D}', '[\\uDE00]']) {
      assertRefused(half, /^has `\\u.+`, half of a UTF-16 surrogate pair, which matches no character of a text: write the character/);
    }
  });

  it('[^] is any character and [] none; a ] outside a class is refused', () => {
    assertAsInJavaScript('^[^]{1,3}$|[x]', [']]', 'abc', 'abcd', 'x', '', '\n\r', '^x']);
    assertAsInJavaScript('a[]|b', ['a', 'b', 'a]', '[]']);
    assertAsInJavaScript('^([^]*)$', ['\n\r\u2028😀', '']);
    // RE2 would read [] as the start of a class holding ]: JavaScript refuses the lone ] after [].
    const emptyThenLone = '[]a]';
    assert.throws(() => new RegExp(emptyThenLone, 'u'), SyntaxError);
    assertRefused(emptyThenLone, /^has a `]` outside a character class .*write `\\]` for the character ]/);
  });

  it('. is any character but a line terminator, at the cost of one instruction as before', () => {
    assertAsInJavaScript('^a.b$', ['a\rb', 'a\nb', 'a\u2028b', 'a\u2029b', 'a\u0085b', 'a中b', 'a😀b', 'ab']);
    assertAsInJavaScript('^查询(.+)$', ['查询天气\r', '查询天气', '查询\u2028']);
    assertAsInJavaScript('^[.]$', ['.', 'a']);
    // RE2's (?s) flag, which JavaScript lacks, keeps RE2's meaning: . is any character.
    assert.deepEqual(compileRuleRegex('(?s)^a.b$').match('a\rb', false), true);
    assert.deepEqual(compileRuleRegex('^(?s:.)(.)$').match('\nx', true), ['\nx', 'x']);
    assert.equal(compileRuleRegex('^(?s:.)(.)$').match('\n\r', true), null);
    // RE2's own . and the class written instead are one instruction each: the limit accepts what it accepted.
    for (const pattern of ['.{1,50}', '^(.+)\\s(.*)$', '(.*a){16}']) {
      assert.notEqual(toRe2Syntax(pattern), pattern);
      assert.equal(RE2JS.compile(toRe2Syntax(pattern)).programSize(), RE2JS.compile(pattern).programSize(), pattern);
    }
    assert.doesNotThrow(() => compileRuleRegex('.{1,49}'));
  });

  it('\\s, \\d, \\w… cannot begin or end a range in a class, as in JavaScript', () => {
    for (const pattern of ['[\\x00-\\s]', '[\\s-\\uFFFF]', '[\\d-z]', '[a-\\w]', '[\\p{L}-z]', '[\\S-a]']) {
      assert.throws(() => new RegExp(pattern, 'u'), SyntaxError, pattern);
      assertRefused(
        pattern,
        /^has `\[.+\]`, where `\\[sSdDwWpP].*` begins or ends a range \(JavaScript refuses it\): write `\\-` for the character -$/,
      );
    }
    // A - first, last or after a range is the character -.
    assertAsInJavaScript('^[\\s-]+$', ['-', ' -\u3000', 'a']);
    assertAsInJavaScript('^[-\\d]+$', ['-1', 'a']);
    assertAsInJavaScript('^[a-c-0]+$', ['a-0', 'd', 'b']);
    assertAsInJavaScript('^[!--]+$', ['!,-', '.']);
  });

  it('\\S in a class is JavaScript’s: the ideographic space is white space', () => {
    assertAsInJavaScript('^[\\S]+$', ['abc', 'a\u3000b', '\u00a0', '😀']);
    assertAsInJavaScript('^[^\\S]+$', ['\u3000 \t', '\u3000a']);
    assertAsInJavaScript('^[^\\S\\n]+$', [' \u3000', ' \n', '\u2028']);
    assertAsInJavaScript('^[\\s\\S]+$', ['a\n\u3000😀']);
  });

  it('[\\b] is the backspace character', () => {
    assertAsInJavaScript('^[\\b]$', ['\b', 'b']);
  });

  it('a repetition that RE2 would match otherwise than JavaScript is refused, saying why', () => {
    // JavaScript forgets a group's text at each repetition; RE2 keeps the last.
    assert.deepEqual(inJavaScript('(?:(a)|b)+', 'ab'), ['ab', null]);
    assertRefused('(?:(a)|b)+', /^repeats `\(\?:\(a\)\|b\)\+`, in which group \$1 does not take part in every repetition: .*\(\?:…\)/);
    assertRefused('^((a)|b){2}$', /group \$2 does not take part in every repetition/);
    // JavaScript skips a repetition that would match the empty text; RE2 takes it.
    assert.deepEqual(inJavaScript('(?:|a)?(a*)', 'a'), ['a', '']);
    for (const pattern of ['(?:|a)?(a*)', '(a*)*', '(.*)?', '(|a)+', '(?:a|\\b){1,3}']) {
      assertRefused(pattern, /^repeats `.+`, which can match the empty text: .*take at least one character/);
    }
    // What JavaScript and RE2 repeat alike is accepted.
    assertAsInJavaScript('^(\\d+\\s*)+$', ['1 2  3', '1 x']);
    assertAsInJavaScript('^(?:(\\d+)\\s*)+$', ['1 2  3']);
    assertAsInJavaScript('^(a*){2}$', ['a', 'aa', '']);
    assertAsInJavaScript('^(?:(a)|(b))$', ['a', 'b']);
  });

  it('agrees with JavaScript on generated patterns and texts, or refuses them saying why', () => {
    // Patterns from the part of JavaScript's syntax a rule uses; texts from the same characters.
    const atom = fc.constantFrom(
      ...['a', 'b', '中', '文', '1', ' ', '-', ',', '😀', '\\.', '\\u4e2d', '\\u3000', '\\uD83D\\uDE00', '\\u{1F600}'],
      ...['.', '.', '\\d', '\\D', '\\w', '\\W', '\\s', '\\S'],
    );
    // Not \B: V8 also tries the place inside a surrogate pair (/\B/u.exec('a😀a') finds index 2),
    // which the standard skips, as RE2 does.
    const anchor = fc.constantFrom('^', '$', '\\b');
    const classItem = fc.constantFrom(
      ...['a', 'b', '中', '1', ' ', '-', '.', '^', '😀', '\\]', '\\-', '\\u3000', '\\b'],
      ...['a-c', '0-9', '\\u4e00-\\u9fff', '一-龥', '\\d', '\\w', '\\s', '\\D', '\\W', '\\S'],
    );
    const charClass = fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .tuple(fc.boolean(), fc.array(classItem, { minLength: 1, maxLength: 3 }))
          .map(([not, items]) => `[${not ? '^' : ''}${items.join('')}]`),
      },
      { weight: 1, arbitrary: fc.constantFrom('[^]', '[]') },
    );
    const repetition = fc.oneof(
      { weight: 4, arbitrary: fc.constant('') },
      {
        weight: 3,
        arbitrary: fc
          .tuple(fc.constantFrom('?', '*', '+', '{0,2}', '{1,3}', '{2}', '{1,}'), fc.constantFrom('', '', '?'))
          .map(([times, lazy]) => times + lazy),
      },
    );
    const { rule } = fc.letrec<{ rule: string; pattern: string; term: string; group: string }>((tie) => ({
      // Often a group of its own, so that $1 is compared.
      rule: fc.oneof(
        tie('pattern'),
        fc
          .tuple(fc.array(tie('term'), { maxLength: 2 }), tie('pattern'), repetition, fc.array(tie('term'), { maxLength: 2 }))
          .map(([before, body, times, after]) => `${before.join('')}(${body})${times}${after.join('')}`),
      ),
      pattern: fc
        .array(
          fc.array(tie('term'), { maxLength: 3 }).map((terms) => terms.join('')),
          { minLength: 1, maxLength: 3 },
        )
        .map((alternatives) => alternatives.join('|')),
      term: fc.oneof(
        { depthSize: 'small' },
        {
          weight: 4,
          arbitrary: fc
            .tuple(fc.oneof({ depthSize: 'small' }, atom, charClass, tie('group')), repetition)
            .map(([repeated, times]) => repeated + times),
        },
        { weight: 1, arbitrary: anchor },
      ),
      group: fc.tuple(fc.constantFrom('(', '(', '(?:'), tie('pattern')).map(([open, body]) => `${open}${body})`),
    }));
    const text = fc.array(fc.constantFrom(...'ab中文1 -.,]\t\b\n\r\u2028\u3000😀'), { maxLength: 8 }).map((chars) => chars.join(''));

    let compared = 0;
    let withGroup = 0;
    let refused = 0;
    fc.assert(
      fc.property(rule, fc.array(text, { minLength: 1, maxLength: 6 }), (source, texts) => {
        try {
          new RegExp(source, 'u');
        } catch {
          return; // not JavaScript (a repeated anchor): nothing to agree with
        }
        let regex;
        try {
          regex = compileRuleRegex(source);
        } catch (error) {
          assert.ok(error instanceof RuleRegexError);
          // Refused only by the checks above or the limits, never by RE2 failing to read the rewrite.
          assert.match(error.message, /^(repeats|is too complex|is \d+ characters long)/, source);
          refused += 1;
          return;
        }
        for (const sample of texts) {
          const expected = inJavaScript(source, sample);
          const found = regex.match(sample, true);
          assert.equal(found !== null, expected !== null, `${source} on ${JSON.stringify(sample)}`);
          if (found === null || found === true || expected === null) continue;
          assert.deepEqual(found.slice(0, 2), expected.slice(0, 2), `${source} on ${JSON.stringify(sample)}`);
          compared += 1;
          if ((expected[1] ?? null) !== null) withGroup += 1;
        }
      }),
      { seed: 20_240_611, numRuns: 500 },
    );
    // The property says something: many matches compared, groups among them, most patterns accepted.
    assert.ok(compared > 400 && withGroup > 80, `only ${compared} matches compared, ${withGroup} with a group`);
    assert.ok(refused < 250, `${refused} of 500 patterns refused`);

    // Without groups (a reply without $1…), only whether a text matches counts: the
    // repetitions refused above are accepted, and still agree with JavaScript on that.
    let acceptedOnlyWithout = 0;
    fc.assert(
      fc.property(rule, fc.array(text, { minLength: 1, maxLength: 6 }), (source, texts) => {
        try {
          new RegExp(source, 'u');
        } catch {
          return;
        }
        let regex;
        try {
          regex = compileRuleRegex(source, { groups: false });
        } catch (error) {
          assert.ok(error instanceof RuleRegexError);
          assert.match(error.message, /^(is too complex|is \d+ characters long)/, source);
          return;
        }
        try {
          compileRuleRegex(source);
        } catch {
          acceptedOnlyWithout += 1;
        }
        for (const sample of texts) {
          assert.equal(
            regex.match(sample, false) !== null,
            inJavaScript(source, sample) !== null,
            `${source} on ${JSON.stringify(sample)}`,
          );
        }
      }),
      { seed: 20_240_611, numRuns: 500 },
    );
    assert.ok(acceptedOnlyWithout > 20, `only ${acceptedOnlyWithout} patterns are accepted only without groups`);
  });

  it('any text as a pattern compiles or is refused with a reason, never throws anything else', () => {
    const piece = fc.constantFrom(
      ...'\\[]()^$.|*+?{}-:,0123456789abdsSuxpPQEbB<>=!?P'.split(''),
      '\\u',
      '\\x{',
      '[^',
      '(?',
      '(?s)',
      '(?<n>',
      '\\uD83D',
      '{2,}',
      '中',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 30 }), (pieces) => {
        try {
          compileRuleRegex(pieces.join(''));
        } catch (error) {
          assert.ok(error instanceof RuleRegexError, String(error));
        }
      }),
      { seed: 20_240_611, numRuns: 2000 },
    );
  });
});
