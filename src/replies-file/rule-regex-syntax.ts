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

/** What the rewrite knows of a piece of the pattern, for the checks on its repetitions. */
interface Piece {
  /** Where it starts in the pattern, to quote it. */
  readonly start: number;
  /** Whether it can match the empty text. */
  readonly nullable: boolean;
  /** The capturing groups inside it (its own number included). */
  readonly groups: readonly number[];
  /** Those of `groups` that take part in every match of the piece. */
  readonly alwaysSet: ReadonlySet<number>;
  /** Whether a repetition already applies to it (a second one is RE2's error, not ours). */
  readonly repeated: boolean;
}

/** A group being read: its alternatives so far, and the pieces of the current one. */
interface OpenGroup {
  readonly start: number;
  /** A capturing group's number. */
  readonly number: number | undefined;
  /** The `s` flag outside the group, restored at its `)`. */
  readonly outerDotAll: boolean;
  readonly alternatives: Piece[];
  pieces: Piece[];
}

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

const sequence = (start: number, pieces: readonly Piece[]): Piece => ({
  start,
  nullable: pieces.every((piece) => piece.nullable),
  groups: pieces.flatMap((piece) => piece.groups),
  alwaysSet: new Set(pieces.flatMap((piece) => [...piece.alwaysSet])),
  repeated: false,
});

const alternation = (start: number, alternatives: readonly Piece[]): Piece => ({
  start,
  nullable: alternatives.some((piece) => piece.nullable),
  groups: alternatives.flatMap((piece) => piece.groups),
  alwaysSet: new Set(
    alternatives.reduce<number[]>(
      (common, piece) => common.filter((group) => piece.alwaysSet.has(group)),
      alternatives[0] ? [...alternatives[0].alwaysSet] : [],
    ),
  ),
  repeated: false,
});

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
 *   JavaScript does (RE2 would read a range or literal characters); `\b` in a class is U+0008;
 * - a repetition of something that can match the empty text (JavaScript skips an empty
 *   repetition, RE2 takes it, so what matches differs), and a group
 *   inside a repetition that does not take part in every repetition (JavaScript forgets its
 *   text at each repetition, RE2 keeps the last) are refused.
 *
 * RE2's own syntax that JavaScript lacks (`(?i)`, `\Q…\E`, `[[:alpha:]]`, `\pL`, `\z`…) passes
 * through with RE2's meaning; lookaround and back-references are left to RE2 to refuse.
 */
export function toRe2Syntax(pattern: string, { groups = true }: { readonly groups?: boolean } = {}): string {
  return new Rewrite(pattern, groups).run();
}

class Rewrite {
  private out = '';
  private at = 0;
  private dotAll = false;
  private groupCount = 0;
  private readonly open: OpenGroup[] = [{ start: 0, number: undefined, outerDotAll: false, alternatives: [], pieces: [] }];
  /** Whether the last thing read can take a repetition (`*`, `+`, `?`, `{m,n}`). */
  private canRepeat = false;

  /**
   * `groups`: the rule's reply uses `$1`…. Without it only whether the pattern matches
   * counts, which an empty repetition or a forgotten group does not change (JavaScript
   * and RE2 differ only in which match they report and what its groups hold).
   */
  constructor(
    private readonly pattern: string,
    private readonly groups: boolean,
  ) {}

  run(): string {
    const { pattern } = this;
    while (this.at < pattern.length) {
      const char = pattern[this.at]!;
      const start = this.at;
      if (char === '\\') this.escape();
      else if (char === '[') this.charClass();
      else if (char === '(') this.openGroup();
      else if (char === ')') this.closeGroup();
      else if (char === '|') this.alternative();
      else if (char === '*' || char === '+' || char === '?' || (char === '{' && this.repetitionAt(start) !== undefined)) this.repetition();
      else if (char === ']') {
        throw new RuleRegexError(
          'has a `]` outside a character class (JavaScript refuses it; `[]` is an empty class there): write `\\]` for the character ]',
        );
      } else if (char === '.') {
        this.at += 1;
        this.piece(start, this.dotAll ? '.' : JS_DOT, false);
      } else {
        const length = (pattern.codePointAt(start) ?? 0) > 0xffff ? 2 : 1;
        this.at += length;
        this.piece(start, pattern.slice(start, start + length), char === '^' || char === '$');
      }
    }
    return this.out;
  }

  /** Adds a piece that is one atom (a character, a class, an anchor…), written `text` in RE2. */
  private piece(start: number, text: string, nullable: boolean): void {
    this.out += text;
    this.current().pieces.push({ start, nullable, groups: [], alwaysSet: new Set(), repeated: false });
    this.canRepeat = true;
  }

  private current(): OpenGroup {
    return this.open[this.open.length - 1]!;
  }

  /** `{m}`, `{m,}` or `{m,n}` at `at`, as RE2 reads one (otherwise `{` is a literal there). */
  private repetitionAt(at: number): { min: number; max: number; end: number } | undefined {
    const found = /^\{(\d+)(,(\d*))?\}/.exec(this.pattern.slice(at, at + 24));
    if (!found) return undefined;
    const min = Number(found[1]);
    const max = found[2] === undefined ? min : found[3] === '' ? Infinity : Number(found[3]);
    return { min, max, end: at + found[0].length };
  }

  private repetition(): void {
    const { pattern } = this;
    const start = this.at;
    const char = pattern[start]!;
    const { min, max, end } =
      char === '*'
        ? { min: 0, max: Infinity, end: start + 1 }
        : char === '+'
          ? { min: 1, max: Infinity, end: start + 1 }
          : char === '?'
            ? { min: 0, max: 1, end: start + 1 }
            : this.repetitionAt(start)!;
    this.at = pattern[end] === '?' ? end + 1 : end;
    this.out += pattern.slice(start, this.at);
    const { pieces } = this.current();
    const repeated = pieces[pieces.length - 1];
    // Without something to repeat, or repeated twice, RE2 refuses the pattern itself.
    if (!this.canRepeat || repeated === undefined || repeated.repeated) return;
    const quoted = `\`${pattern.slice(repeated.start, this.at)}\``;
    if (this.groups && min < max && repeated.nullable) {
      throw new RuleRegexError(
        `repeats ${quoted}, which can match the empty text: JavaScript skips an empty repetition and RE2 takes it, ` +
          'so what matches would differ; make what is repeated take at least one character (`a+` rather than `a*`)',
      );
    }
    const forgotten = this.groups && max > 1 ? repeated.groups.find((group) => !repeated.alwaysSet.has(group)) : undefined;
    if (forgotten !== undefined) {
      throw new RuleRegexError(
        `repeats ${quoted}, in which group $${forgotten} does not take part in every repetition: JavaScript forgets ` +
          `its text at each repetition and RE2 keeps the last, so $${forgotten} would differ; make it a \`(?:…)\` group ` +
          'or take it out of the repetition',
      );
    }
    pieces[pieces.length - 1] = {
      ...repeated,
      nullable: repeated.nullable || min === 0,
      alwaysSet: min === 0 ? new Set() : repeated.alwaysSet,
      repeated: true,
    };
  }

  private openGroup(): void {
    const { pattern } = this;
    const start = this.at;
    let number: number | undefined;
    let head: string;
    let dotAll = this.dotAll;
    const flags = /^\(\?([imsU]*)(?:-([imsU]*))?([:)])/.exec(pattern.slice(start, start + 16));
    if (flags) {
      if (flags[1]!.includes('s')) dotAll = true;
      if (flags[2]?.includes('s')) dotAll = false;
      this.at += flags[0].length;
      this.out += flags[0];
      if (flags[3] === ')') {
        // `(?s)`: the flags change for the rest of the group; nothing is opened.
        this.dotAll = dotAll;
        this.canRepeat = false;
        return;
      }
      head = '';
    } else if (pattern[start + 1] !== '?' || /^\(\?P?<(?![=!])/.test(pattern.slice(start, start + 5))) {
      // A capturing group, named (`(?<name>`, `(?P<name>`) or not.
      const close = pattern[start + 1] === '?' ? pattern.indexOf('>', start) : start;
      head = close === -1 ? pattern.slice(start) : pattern.slice(start, close + 1);
      number = this.groupCount += 1;
    } else {
      // `(?:`, or lookaround and the like, which RE2 refuses with its own words.
      head = pattern.startsWith('(?:', start) ? '(?:' : '(';
    }
    if (head !== '') {
      this.at += head.length;
      this.out += head;
    }
    this.open.push({ start, number, outerDotAll: this.dotAll, alternatives: [], pieces: [] });
    this.dotAll = dotAll;
    this.canRepeat = false;
  }

  private closeGroup(): void {
    this.at += 1;
    this.out += ')';
    // A `)` with no group open is RE2's error.
    if (this.open.length === 1) return;
    const group = this.open.pop()!;
    const body = alternation(group.start, [...group.alternatives, sequence(group.start, group.pieces)]);
    const own = group.number === undefined ? [] : [group.number];
    this.dotAll = group.outerDotAll;
    this.current().pieces.push({
      ...body,
      groups: [...own, ...body.groups],
      alwaysSet: new Set([...own, ...body.alwaysSet]),
    });
    this.canRepeat = true;
  }

  private alternative(): void {
    this.at += 1;
    this.out += '|';
    const group = this.current();
    group.alternatives.push(sequence(group.start, group.pieces));
    group.pieces = [];
    this.canRepeat = false;
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
        this.piece(start, `\\x{${hex(unicode.codePoint)}}`, false);
        return;
      }
    }
    if (next === 's' || next === 'S') {
      this.at += 2;
      this.piece(start, `[${next === 's' ? JS_SPACE : JS_NON_SPACE}]`, false);
      return;
    }
    if (next === 'Q') {
      // RE2's literal text: everything up to \E is taken as it is.
      const end = pattern.indexOf('\\E', start + 2);
      this.at = end === -1 ? pattern.length : end + 2;
      this.piece(start, pattern.slice(start, this.at), end === start + 2);
      return;
    }
    this.at = this.escapeEnd(start);
    this.piece(start, pattern.slice(start, this.at), 'bBAz'.includes(next));
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
      this.piece(start, negated ? `[${EVERY}]` : `[^${EVERY}]`, false);
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
    this.piece(start, `${text}]`, false);
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
