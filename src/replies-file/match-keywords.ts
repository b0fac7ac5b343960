import type { Reply } from '../protocol/reply-types.js';
import { compileRuleRegex } from './rule-regex.js';
import type { KeywordRule } from './schema.js';

/** A regex match's groups: `[whole, $1, $2…]`, null for a group that took no part. */
type Groups = readonly (string | null)[];

/** A keyword rule's reply: the reply (with `$1`… filled in for regex rules), or null. */
type KeywordReply = (groups: Groups | null) => Reply | null;

interface ScanRule {
  /** The rule's place in the file: the earliest matching rule wins. */
  readonly index: number;
  readonly matches: (content: string, folded: string) => Groups | null | boolean;
  readonly reply: KeywordReply;
}

export interface KeywordMatcher {
  /** The reply of the first rule, in file order, that matches `content`; undefined if none. */
  match(content: string): Reply | null | undefined;
}

// eslint-disable-next-line no-control-regex -- the whole ASCII range, control characters included, is meant
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * ASCII letters to lower case, nothing else: `exact` and `contains` ignore only ASCII
 * case. A text of ASCII alone (`VIP`, `Help`) goes through toLowerCase, which folds
 * nothing else there; `replace` with a callback cost 1.3 µs of a request in a profile.
 */
export function foldAscii(text: string): string {
  if (!/[A-Z]/.test(text)) return text;
  return ASCII_ONLY.test(text) ? text.toLowerCase() : text.replace(/[A-Z]+/g, (letters) => letters.toLowerCase());
}

const GROUP_REFERENCE = /\$(\$|[1-9])/g;

/** `$1`…`$9` become the regex's groups (empty when a group did not take part); `$$` is `$`. */
export function fillGroups(template: string, groups: Groups): string {
  return template.replace(GROUP_REFERENCE, (_, which: string) => (which === '$' ? '$' : (groups[Number(which)] ?? '')));
}

/** Whether a regex rule's reply needs the match's groups: a text with `$`. */
function usesGroups(reply: Reply | null): reply is Extract<Reply, { type: 'text' }> {
  return reply?.type === 'text' && reply.content.includes('$');
}

function keywordReply(reply: Reply | null, isRegex: boolean): KeywordReply {
  if (!isRegex || !usesGroups(reply)) return () => reply;
  const template = reply.content;
  return (groups) => ({ type: 'text', content: groups === null ? template : fillGroups(template, groups) });
}

const needlesOf = (value: string | readonly string[]): readonly string[] => (typeof value === 'string' ? [value] : value);

/**
 * Compiles the keyword rules. `exact` keywords go into one Map from the normalised text
 * to the earliest rule's index, so a thousand of them cost one lookup; only `contains`
 * and `regex` rules that come before that index are tried one by one.
 */
export function compileKeywords(rules: readonly KeywordRule[], toReply: (index: number) => Reply | null): KeywordMatcher {
  const exact = new Map<string, number>();
  const scanned: ScanRule[] = [];
  const replies: KeywordReply[] = [];
  rules.forEach((rule, index) => {
    const reply = toReply(index);
    replies.push(keywordReply(reply, rule.regex !== undefined));
    if (rule.exact !== undefined) {
      for (const keyword of needlesOf(rule.exact)) {
        const key = foldAscii(keyword.trim());
        if (!exact.has(key)) exact.set(key, index);
      }
    } else if (rule.contains !== undefined) {
      const needles = needlesOf(rule.contains).map(foldAscii);
      scanned.push({ index, matches: (_, folded) => needles.some((needle) => folded.includes(needle)), reply: replies[index]! });
    } else if (rule.regex !== undefined) {
      const wantGroups = usesGroups(reply);
      const pattern = compileRuleRegex(rule.regex, { groups: wantGroups });
      scanned.push({ index, matches: (content) => pattern.match(content, wantGroups), reply: replies[index]! });
    }
  });

  return {
    match(content) {
      const folded = foldAscii(content);
      const exactIndex = exact.get(folded.trim()) ?? Infinity;
      for (const rule of scanned) {
        if (rule.index > exactIndex) break;
        const found = rule.matches(content, folded);
        if (found === false || found === null) continue;
        return rule.reply(found === true ? null : found);
      }
      return exactIndex === Infinity ? undefined : replies[exactIndex]!(null);
    },
  };
}
