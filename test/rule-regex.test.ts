import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, it } from 'node:test';
import { parseReplies } from '../src/replies-file/load.js';
import { compileRuleRegex, RULE_REGEX_LIMITS, RuleRegexError, toRe2Syntax } from '../src/replies-file/rule-regex.js';
import { startApp } from './helpers/start-app.js';
import { exchange, textXml } from './helpers/wechat.js';

const problemsOf = (pattern: string): readonly string[] => {
  const loaded = parseReplies(`keywords:\n  - regex: ${JSON.stringify(pattern)}\n    reply: x\n`, 'replies.yaml');
  return loaded.ok ? [] : loaded.problems;
};

/** The shortest of `runs` timings of `work`, in ms: what the work costs, without the machine's hiccups. */
function fastestMs(work: () => void, runs = 3): number {
  let best = Infinity;
  for (let run = 0; run < runs; run += 1) {
    const start = process.hrtime.bigint();
    work();
    best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
  }
  return best;
}

describe('a regex rule cannot block the event loop', () => {
  it('the rule that froze the server for 11.6 s answers a 2048-digit text while the loop keeps turning', async () => {
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
      assert.ok(lag.max / 1e6 < 500, `the event loop stalled for ${(lag.max / 1e6).toFixed(0)} ms`);
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('no rule the checker accepts takes more than a few ms on a 2048-character text', () => {
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
      (k: number) => `(${'(a*)*'.repeat(Math.min(k, 8))})+$`,
    ];
    const texts = ['a '.repeat(1024), 'a'.repeat(2048), '1 '.repeat(1024), 'ab'.repeat(1024), 'x'.repeat(2047) + '!', '中'.repeat(2048)];
    let accepted = 0;
    let slowest = { ms: 0, pattern: '' };
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
        for (const text of texts) {
          const ms = fastestMs(() => regex.match(text, true));
          if (ms > slowest.ms) slowest = { ms, pattern };
        }
      }
    }
    assert.ok(accepted > 60, `only ${accepted} adversarial patterns were accepted: the check proves little`);
    assert.ok(slowest.ms < 10, `${slowest.pattern} took ${slowest.ms.toFixed(1)} ms`);
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
