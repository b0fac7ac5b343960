/** A pattern refused, with a one-line reason for the owner. */
export class RuleRegexError extends Error {}

const hex = (codePoint: number): string => codePoint.toString(16).toUpperCase();

/** JavaScript's `\s`, as ranges of code points: what a follower types as a space, the ideographic space U+3000 among them. */
const SPACES: readonly (readonly [number, number])[] = [
  [0x09, 0x0d],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x2000, 0x200a],
  [0x2028, 0x2029],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
  [0xfeff, 0xfeff],
];

/** The inside of an RE2 class of `ranges`. */
const classBody = (ranges: readonly (readonly [number, number])[]): string =>
  ranges.map(([low, high]) => (low === high ? `\\x{${hex(low)}}` : `\\x{${hex(low)}}-\\x{${hex(high)}}`)).join('');

/** `\s` inside an RE2 class. */
const JS_SPACE = classBody(SPACES);

/**
 * `\S` inside an RE2 class: every code point but `SPACES`, spelled out, since RE2's `\S`
 * leaves out only ASCII white space and a class cannot subtract. One instruction all the same.
 */
const JS_NON_SPACE = classBody(
  [...SPACES, [0x110000, 0x110000] as const].flatMap(([low], k, all) => {
    const from = k === 0 ? 0 : all[k - 1]![1] + 1;
    return from < low ? [[from, low - 1] as const] : [];
  }),
);

/** JavaScript's `.`: any character but the four line terminators (RE2's leaves out only \n). */
const JS_DOT = '[^\\n\\r\\x{2028}\\x{2029}]';

/** Every code point, for `[^]` (any character) and `[]` (none). */
const EVERY = '\\x{0}-\\x{10FFFF}';

/** One element of a character class: a character, a set such as `\d`, or a `-`. */
interface ClassAtom {
  readonly kind: 'char' | 'set' | 'dash';
  /** In RE2's syntax. */
  readonly text: string;
  /** As written, to quote it. */
  readonly raw: string;
}

const isHex = (text: string): boolean => /^[0-9A-Fa-f]+$/.test(text);
const isSurrogate = (code: number): boolean => code >= 0xd800 && code <= 0xdfff;

/**
 * Rewrites a JavaScript pattern (Unicode mode) into RE2's syntax with the same meaning,
 * and refuses with a RuleRegexError what RE2 would run with another meaning:
 *
 * - `\uXXXX` (an escaped surrogate pair joined into one code point) and `\u{X…}` become
 *   `\x{…}`; a lone escaped surrogate is refused (it matches no character of a text);
 * - `\s` and `\S` become JavaScript's Unicode white space and its complement, spelled out
 *   (RE2's are ASCII);
 * - `.` excludes \r, U+2028 and U+2029 as well as \n (unless RE2's `(?s)` is on);
 * - `[^]` (any character) and `[]` (none) are spelled out: RE2 reads `]` first in a class as
 *   a literal. A `]` outside a class is refused, as JavaScript does;
 * - a class escape (`\s`, `\d`, `\w`, `\p{…}`…) at either end of a range is refused, as
 *   JavaScript does (RE2 would read a range or literal characters); `\b` in a class is U+0008.
 *
 * RE2's own syntax that JavaScript lacks (`(?i)`, `\Q…\E`, `[[:alpha:]]`, `\pL`, `\z`…) passes
 * through with RE2's meaning; lookaround and back-references are left to RE2 to refuse.
 */
export function toRe2Syntax(pattern: string): string {
  return new Rewrite(pattern).run();
}

class Rewrite {
  private out = '';
  private at = 0;
  /** RE2's `s` flag: `.` is any character. */
  private dotAll = false;
  /** The `s` flag outside each open group, restored at its `)`. */
  private readonly outerDotAll: boolean[] = [];

  constructor(private readonly pattern: string) {}

  run(): string {
    const { pattern } = this;
    while (this.at < pattern.length) {
      const char = pattern[this.at]!;
      const start = this.at;
      if (char === '\\') this.escape();
      else if (char === '[') this.charClass();
      else if (char === '(') this.openGroup();
      else if (char === ')') this.closeGroup();
      else if (char === ']') {
        throw new RuleRegexError(
          'has a `]` outside a character class (JavaScript refuses it; `[]` is an empty class there): write `\\]` for the character ]',
        );
      } else if (char === '.') {
        this.at += 1;
        this.out += this.dotAll ? '.' : JS_DOT;
      } else {
        const length = (pattern.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
        this.at += length;
        this.out += pattern.slice(start, start + length);
      }
    }
    return this.out;
  }

  /** A `(`, and RE2's flags `(?s)` and `(?s:…)`, which JavaScript lacks: with them `.` is any character. */
  private openGroup(): void {
    const flags = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(this.pattern.slice(this.at, this.at + 16));
    let dotAll = this.dotAll;
    if (flags?.[1]!.includes('s')) dotAll = true;
    if (flags?.[2]?.includes('s')) dotAll = false;
    const head = flags ? flags[0] : '(';
    this.at += head.length;
    this.out += head;
    if (flags?.[3] !== ')') this.outerDotAll.push(this.dotAll);
    this.dotAll = dotAll;
  }

  private closeGroup(): void {
    this.at += 1;
    this.out += ')';
    this.dotAll = this.outerDotAll.pop() ?? false;
  }

  /** An escape outside a class. */
  private escape(): void {
    const { pattern } = this;
    const start = this.at;
    const next = pattern[start + 1];
    if (next === undefined) {
      // A trailing backslash: RE2's error.
      this.at += 1;
      this.out += '\\';
      return;
    }
    if (next === 'u') {
      const unicode = this.unicodeEscape(start);
      if (unicode) {
        this.at = unicode.end;
        this.out += `\\x{${hex(unicode.codePoint)}}`;
        return;
      }
    }
    if (next === 's' || next === 'S') {
      this.at += 2;
      this.out += `[${next === 's' ? JS_SPACE : JS_NON_SPACE}]`;
      return;
    }
    if (next === 'Q') {
      // RE2's literal text: everything up to \E is taken as it is.
      const end = pattern.indexOf('\\E', start + 2);
      this.at = end === -1 ? pattern.length : end + 2;
      this.out += pattern.slice(start, this.at);
      return;
    }
    this.at = this.escapeEnd(start);
    this.out += pattern.slice(start, this.at);
  }

  /** Where an escape that passes as written ends: `\x{…}` and `\p{…}` run to their `}`. */
  private escapeEnd(start: number): number {
    const { pattern } = this;
    const next = pattern[start + 1]!;
    if ('xpP'.includes(next) && pattern[start + 2] === '{') {
      const close = pattern.indexOf('}', start + 3);
      return close === -1 ? pattern.length : close + 1;
    }
    if (next === 'x') return start + 4;
    if (next === 'p' || next === 'P') return start + 3;
    return start + 1 + ((pattern.codePointAt(start + 1) ?? 0) > 0xffff ? 2 : 1);
  }

  /**
   * `\uXXXX` (with a following `\uXXXX` when the two are a surrogate pair, as JavaScript
   * joins them) or `\u{X…}` at `start`; undefined if it is neither (RE2 refuses `\u`).
   */
  private unicodeEscape(start: number): { codePoint: number; end: number } | undefined {
    const { pattern } = this;
    let codePoint: number;
    let end: number;
    const braced = pattern[start + 2] === '{' ? pattern.indexOf('}', start + 3) : -1;
    const four = (at: number): number | undefined => {
      const digits = pattern.slice(at + 2, at + 6);
      return pattern.startsWith('\\u', at) && digits.length === 4 && isHex(digits) ? parseInt(digits, 16) : undefined;
    };
    if (braced > start + 3 && braced - (start + 3) <= 6 && isHex(pattern.slice(start + 3, braced))) {
      codePoint = parseInt(pattern.slice(start + 3, braced), 16);
      end = braced + 1;
    } else {
      const unit = four(start);
      if (unit === undefined) return undefined;
      codePoint = unit;
      end = start + 6;
      const low = four(end);
      if (unit >= 0xd800 && unit <= 0xdbff && low !== undefined && low >= 0xdc00 && low <= 0xdfff) {
        codePoint = 0x10000 + ((unit - 0xd800) << 10) + (low - 0xdc00);
        end += 6;
      }
    }
    if (isSurrogate(codePoint)) {
      throw new RuleRegexError(
        `has \`${pattern.slice(start, end)}\`, half of a UTF-16 surrogate pair, which matches no character of a text: ` +
          'write the character, the pair (`\\uD83D\\uDE00`) or its code point (`\\u{1F600}`)',
      );
    }
    return { codePoint, end };
  }

  private charClass(): void {
    const { pattern } = this;
    const start = this.at;
    this.at += 1;
    const negated = pattern[this.at] === '^';
    if (negated) this.at += 1;
    if (pattern[this.at] === ']') {
      // In JavaScript `]` first closes the class: [^] is any character, [] none.
      this.at += 1;
      this.out += negated ? `[${EVERY}]` : `[^${EVERY}]`;
      return;
    }
    const atoms: ClassAtom[] = [];
    while (this.at < pattern.length && pattern[this.at] !== ']') atoms.push(this.classAtom());
    if (this.at >= pattern.length) {
      // No closing `]`: RE2 says so, quoting the class as written.
      this.out += pattern.slice(start);
      return;
    }
    this.at += 1;
    const quoted = pattern.slice(start, this.at);
    let text = negated ? '[^' : '[';
    for (let k = 0; k < atoms.length;) {
      const low = atoms[k]!;
      const high = atoms[k + 2];
      if (atoms[k + 1]?.kind === 'dash' && high !== undefined) {
        const set = [low, high].find((atom) => atom.kind === 'set');
        if (set) {
          throw new RuleRegexError(
            `has \`${quoted}\`, where \`${set.raw}\` begins or ends a range (JavaScript refuses it): write \`\\-\` for the character -`,
          );
        }
        text += `${low.text}-${high.text}`;
        k += 3;
      } else {
        text += low.text;
        k += 1;
      }
    }
    this.out += `${text}]`;
  }

  /** One element of a class. */
  private classAtom(): ClassAtom {
    const { pattern } = this;
    const start = this.at;
    const char = pattern[start]!;
    if (char === '-') {
      this.at += 1;
      return { kind: 'dash', text: '\\-', raw: '-' };
    }
    if (char === '[' && pattern[start + 1] === ':') {
      // RE2's POSIX class such as [:alpha:].
      const end = pattern.indexOf(':]', start + 2);
      if (end !== -1) {
        this.at = end + 2;
        const raw = pattern.slice(start, this.at);
        return { kind: 'set', text: raw, raw };
      }
    }
    if (char !== '\\' || start + 1 >= pattern.length) {
      const length = (pattern.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
      this.at += length;
      const raw = pattern.slice(start, this.at);
      return { kind: 'char', text: raw, raw };
    }
    const next = pattern[start + 1]!;
    if (next === 'u') {
      const unicode = this.unicodeEscape(start);
      if (unicode) {
        this.at = unicode.end;
        return { kind: 'char', text: `\\x{${hex(unicode.codePoint)}}`, raw: pattern.slice(start, this.at) };
      }
    }
    this.at = next === 's' || next === 'S' || next === 'b' ? start + 2 : this.escapeEnd(start);
    const raw = pattern.slice(start, this.at);
    if (next === 's' || next === 'S') return { kind: 'set', text: next === 's' ? JS_SPACE : JS_NON_SPACE, raw };
    // In a JavaScript class \b is the backspace character; RE2 has no \b there.
    if (next === 'b') return { kind: 'char', text: '\\x{8}', raw };
    return { kind: 'dDwWpP'.includes(next) ? 'set' : 'char', text: raw, raw };
  }
}
