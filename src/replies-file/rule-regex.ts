import type * as Re2 from 're2js';
import { lazyRequire } from '../core/lazy-require.js';

/**
 * re2js: a linear-time regex engine (RE2's automata, in JavaScript). A follower's text
 * reaches every regex rule, so a rule must not be able to backtrack: with V8's engine
 * `^(\d+\s*)+$` and 31 digits blocked the event loop for 11.6 s. Loaded only when a
 * replies file has a regex rule.
 */
const loadRe2 = lazyRequire<typeof Re2>('re2js');

/**
 * What a regex rule may cost. RE2's program size is the number of instructions of the
 * compiled automaton; matching costs at most about program size × text length steps.
 * With these limits the slowest rule measured (test/rule-regex.test.ts: adversarial
 * patterns at the limit, 2048-character texts) takes a few milliseconds.
 */
export const RULE_REGEX_LIMITS = Object.freeze({
  /** Characters of the pattern as written. */
  patternLength: 500,
  /** Instructions of the compiled automaton: `\d{1,12}` alone is 25, `.{1,50}` is 101. */
  programSize: 100,
  /** Texts longer than this (in UTF-16 units, what `String.length` counts) skip regex rules. */
  textLength: 2048,
});

export interface RuleRegex {
  /**
   * Whether the pattern matches somewhere in `text`, and if `wantGroups`, its groups
   * (`[whole, $1, $2…]`, null for a group that took no part). Null when it does not match.
   */
  match(text: string, wantGroups: boolean): readonly (string | null)[] | true | null;
}

/** A pattern refused, with a one-line reason for the owner. */
export class RuleRegexError extends Error {}

/**
 * Compiles a regex rule's pattern with RE2, as `check` and the server both do, so a
 * pattern that passes `check` is the pattern that runs. JavaScript's `\uXXXX`, `\u{…}`
 * and Unicode `\s` are kept (see `toRe2Syntax`); lookaround and back-references, which
 * need backtracking, are refused with RE2's message.
 */
export function compileRuleRegex(pattern: string): RuleRegex {
  if (pattern.length > RULE_REGEX_LIMITS.patternLength) {
    throw new RuleRegexError(`is ${pattern.length} characters long; the limit is ${RULE_REGEX_LIMITS.patternLength}`);
  }
  const { RE2JS } = loadRe2();
  let compiled: Re2.RE2JS;
  try {
    compiled = RE2JS.compile(toRe2Syntax(pattern));
  } catch (error) {
    throw new RuleRegexError(`does not compile: ${describe(pattern, error)}`);
  }
  const size = compiled.programSize();
  if (size > RULE_REGEX_LIMITS.programSize) {
    throw new RuleRegexError(
      `is too complex to match in bounded time (program size ${size}, the limit is ${RULE_REGEX_LIMITS.programSize}): ` +
        'use + or * instead of large {m,n} counts, or split the rule',
    );
  }
  return {
    match(text, wantGroups) {
      if (text.length > RULE_REGEX_LIMITS.textLength || !compiled.test(text)) return null;
      if (!wantGroups) return true;
      // A match with its groups costs more than the yes/no test (the automaton tracks
      // each group's place), so it is asked only once a match is known.
      return (compiled.exec(text) as (string | null | undefined)[] | null)?.map((group) => group ?? null) ?? null;
    },
  };
}

/**
 * RE2's reason, quoting the pattern as the owner wrote it where it can: the rewritten
 * one spells `\s` out at length. Compiling the original again gives RE2's words for it,
 * unless the original fails only on a `\u` that the rewrite fixed.
 */
function describe(pattern: string, error: unknown): string {
  let message = error instanceof Error ? error.message : String(error);
  try {
    loadRe2().RE2JS.compile(pattern);
  } catch (original) {
    const words = original instanceof Error ? original.message : String(original);
    if (!words.includes('\\u')) message = words;
  }
  const hint = /\\[1-9]|\(\?[=!]|\(\?<[=!]/.test(message) ? ' (lookaround and back-references are not supported: RE2 syntax)' : '';
  return `${message.replace(/^error parsing regexp: /, '')}${hint}`;
}

/** JavaScript's `\s`: what a follower types as a space, the ideographic space U+3000 among them. */
const JS_SPACE = '\\t\\n\\x0B\\f\\r \\x{A0}\\x{1680}\\x{2000}-\\x{200A}\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}';

const isHex = (code: number): boolean => (code >= 48 && code <= 57) || (code >= 65 && code <= 70) || (code >= 97 && code <= 102);

/**
 * Rewrites the JavaScript escapes RE2 spells differently, in one pass: `\uXXXX` and
 * `\u{X…}` become `\x{…}`; `\s` becomes JavaScript's (Unicode) white space, and `\S`
 * outside a character class its complement (inside one it keeps RE2's meaning, ASCII
 * white space). Everything else is passed to RE2 as written.
 */
export function toRe2Syntax(pattern: string): string {
  let out = '';
  let inClass = false;
  let i = 0;
  while (i < pattern.length) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) {
      const next = pattern[i + 1]!;
      if (next === 'u') {
        const braced = pattern[i + 2] === '{' ? pattern.indexOf('}', i + 3) : -1;
        if (braced > i + 3 && braced - (i + 3) <= 6 && [...pattern.slice(i + 3, braced)].every((c) => isHex(c.charCodeAt(0)))) {
          out += `\\x{${pattern.slice(i + 3, braced)}}`;
          i = braced + 1;
          continue;
        }
        const four = pattern.slice(i + 2, i + 6);
        if (four.length === 4 && [...four].every((c) => isHex(c.charCodeAt(0)))) {
          out += `\\x{${four}}`;
          i += 6;
          continue;
        }
      } else if (next === 's') {
        out += inClass ? JS_SPACE : `[${JS_SPACE}]`;
        i += 2;
        continue;
      } else if (next === 'S' && !inClass) {
        out += `[^${JS_SPACE}]`;
        i += 2;
        continue;
      } else if (next === 'Q') {
        // RE2's literal text: everything up to \E is taken as it is.
        const end = pattern.indexOf('\\E', i + 2);
        const stop = end === -1 ? pattern.length : end + 2;
        out += pattern.slice(i, stop);
        i = stop;
        continue;
      }
      out += char + next;
      i += 2;
      continue;
    }
    if (inClass) {
      if (char === '[' && pattern[i + 1] === ':') {
        // A POSIX class such as [:alpha:] inside a class.
        const end = pattern.indexOf(':]', i + 2);
        const stop = end === -1 ? i + 1 : end + 2;
        out += pattern.slice(i, stop);
        i = stop;
        continue;
      }
      if (char === ']') inClass = false;
    } else if (char === '[') {
      inClass = true;
      out += char;
      i += 1;
      // A ']' first in a class (after an optional '^') is a literal.
      if (pattern[i] === '^') out += pattern[i++];
      if (pattern[i] === ']') out += pattern[i++];
      continue;
    }
    out += char;
    i += 1;
  }
  return out;
}
