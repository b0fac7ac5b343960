import type * as Yaml from 'yaml';
import type { Document, Node } from 'yaml';

/**
 * How deep a YAML file of ours may nest: a real replies file is five levels deep, an
 * article's front matter one. yaml's parser recurses per level, and a few thousand `[`
 * ran V8 out of memory in a way no `try` catches, so the depth is measured in one pass
 * over the text before yaml sees it.
 */
export const MAX_NESTING = 64;

/**
 * How many nodes the file's aliases may stand for in all: each `*alias` repeats its
 * anchor's whole subtree when the file is read, so 100 aliases of a big anchor were
 * 100 times the work (3.7 s and 309 MB for a 0.7 MB file). A real replies file reuses
 * a few replies.
 */
export const MAX_ALIAS_NODES = 10_000;

/**
 * The deepest nesting of the text, as brackets (`[`, `{`) and as indentation (two spaces
 * and each leading `- ` a level), outside quotes and comments; or the first place past
 * MAX_NESTING. Linear, and it never builds anything.
 */
export function tooDeep(source: string): { line: number } | undefined {
  let line = 1;
  let depth = 0;
  let atLineStart = true;
  let indent = 0;
  /** The last character on the line that is not a space: a quote opens a scalar only after one of `:-[{,?` or at the start. */
  let previous = '';
  for (let i = 0; i < source.length; i += 1) {
    const char = source[i]!;
    if (char === '\n') {
      line += 1;
      atLineStart = true;
      indent = 0;
      previous = '';
      continue;
    }
    if (atLineStart) {
      if (char === ' ') {
        indent += 1;
        continue;
      }
      if (char === '-' && (source[i + 1] === ' ' || source[i + 1] === '\n' || i + 1 === source.length)) {
        indent += 2;
        continue;
      }
      atLineStart = false;
      if (indent / 2 > MAX_NESTING) return { line };
    }
    if (char === '#' && (i === 0 || source[i - 1] === ' ' || source[i - 1] === '\t')) {
      const end = source.indexOf('\n', i);
      i = (end === -1 ? source.length : end) - 1;
    } else if ((char === '"' || char === "'") && (previous === '' || ':-[{,?'.includes(previous))) {
      // A quoted scalar: skip to its closing quote (\" in double quotes, '' in single).
      let j = i + 1;
      while (j < source.length) {
        const c = source[j]!;
        if (c === '\n') line += 1;
        if (char === '"' && c === '\\') j += 1;
        else if (c === char) {
          if (char === "'" && source[j + 1] === "'") j += 1;
          else break;
        }
        j += 1;
      }
      i = j;
    } else if (char === '[' || char === '{') {
      depth += 1;
      if (depth > MAX_NESTING) return { line };
    } else if ((char === ']' || char === '}') && depth > 0) {
      depth -= 1;
    }
    if (char !== ' ' && char !== '\t') previous = char;
  }
  return undefined;
}

/**
 * The number of nodes the document's aliases stand for, counted once per anchor
 * (memoised), so that a nested "billion laughs" is counted, not expanded; past `limit`
 * the count stops.
 */
export function aliasedNodes(document: Document, yaml: typeof Yaml, limit = MAX_ALIAS_NODES): number {
  const { isAlias, isMap, isPair, isScalar, isSeq, visit } = yaml;
  const sizes = new Map<Node, number>();
  const sizeOf = (node: unknown): number => {
    if (node === null || node === undefined) return 1;
    if (isScalar(node)) return 1;
    if (isAlias(node)) {
      const target = node.resolve(document);
      return target === undefined ? 1 : sizeOf(target);
    }
    if (isPair(node)) return sizeOf(node.key) + sizeOf(node.value);
    if (!isMap(node) && !isSeq(node)) return 1;
    const known = sizes.get(node);
    if (known !== undefined) return known;
    sizes.set(node, limit + 1); // a cycle counts as too much
    let size = 1;
    for (const item of node.items) {
      size += sizeOf(item);
      if (size > limit) break;
    }
    sizes.set(node, size);
    return size;
  };
  let total = 0;
  visit(document, {
    Alias(_key, alias) {
      total += sizeOf(alias);
      if (total > limit) return visit.BREAK;
      return undefined;
    },
  });
  return total;
}
