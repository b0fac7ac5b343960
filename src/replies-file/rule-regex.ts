import type * as Re2 from 're2js';
import { lazyRequire } from '../core/lazy-require.js';
import { RuleRegexError, toRe2Syntax } from './rule-regex-syntax.js';

export { RuleRegexError } from './rule-regex-syntax.js';

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

/**
 * Compiles a regex rule's pattern with RE2, as `check` and the server both do, so a
 * pattern that passes `check` is the pattern that runs. The pattern means what it means
 * in JavaScript (Unicode mode), or is refused (see `toRe2Syntax`); lookaround and
 * back-references, which need backtracking, are refused with RE2's message.
 */
export function compileRuleRegex(pattern: string, { groups = true }: { readonly groups?: boolean } = {}): RuleRegex {
  if (pattern.length > RULE_REGEX_LIMITS.patternLength) {
    throw new RuleRegexError(`is ${pattern.length} characters long; the limit is ${RULE_REGEX_LIMITS.patternLength}`);
  }
  const { RE2JS } = loadRe2();
  const rewritten = toRe2Syntax(pattern, { groups });
  let compiled: Re2.RE2JS;
  try {
    compiled = RE2JS.compile(rewritten);
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

/** Whether a regex rule's reply, as the file writes it, uses the match's groups: a text with `$`. */
export function replyUsesGroups(reply: unknown): boolean {
  if (typeof reply === 'string') return reply.includes('$');
  if (typeof reply !== 'object' || reply === null) return false;
  const { type, content } = reply as { type?: unknown; content?: unknown };
  return type === 'text' && typeof content === 'string' && content.includes('$');
}
