import { XMLParser } from 'fast-xml-parser';
import type { RawFields, RawValue } from './message-types.js';
import { tryParseFlatXml } from './parse-flat-xml.js';
import { dropForbiddenCharacters } from './xml-characters.js';
import { MessageXmlError } from '../core/errors.js';

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};
const ENTITY_REFERENCE = /&(?:#(\d{1,7})|#x([0-9a-fA-F]{1,6})|(amp|lt|gt|quot|apos));/g;

/**
 * Decodes XML's five predefined entities and character references, and nothing else:
 * entities declared in a DOCTYPE are never expanded (no billion laughs, no XXE), so
 * `&lol;` stays the literal text `&lol;`.
 */
function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(ENTITY_REFERENCE, (whole, decimal?: string, hex?: string, name?: string) => {
    if (name !== undefined) return PREDEFINED_ENTITIES[name] ?? whole;
    const codePoint = decimal !== undefined ? Number(decimal) : parseInt(hex ?? '', 16);
    return codePoint <= 0x10ffff ? String.fromCodePoint(codePoint) : whole;
  });
}

// Elements WeChat repeats inside a list (`PicList/item`, `SubscribeMsgPopupEvent/List`):
// always an array, even with one item.
const LIST_ELEMENTS = new Set(['item', 'List']);

/** The parser's document order: each node is `{ name: children }` or `{ '#text': text }`. */
type OrderedNode = Record<string, unknown>;

const parser = new XMLParser({
  // Nodes in document order, which this module folds into fields itself: measured,
  // 15 % faster than the library's own object building, which it then need not undo.
  preserveOrder: true,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  trimValues: false,
  // Paths as a matcher, not strings: building a path string per element is costly.
  jPath: false,
  maxNestedTags: 32,
  processEntities: true,
  entityDecoder: {
    decode: decodeEntities,
    setExternalEntities: () => undefined,
    addInputEntities: () => undefined,
    reset: () => undefined,
    setXmlVersion: () => undefined,
  },
});

/**
 * Parses a message body into its fields, each the exact string WeChat sent: no
 * number coercion, no trimming. Throws MessageXmlError when the body is not
 * well-formed XML with a single `<xml>` root element.
 */
export function parseXml(body: string): RawFields {
  const text = dropForbiddenCharacters(body);
  // WeChat's usual flat message costs a fraction of the general parser's time.
  return tryParseFlatXml(text) ?? parseWithLibrary(text);
}

/** parseXml without its fast path: what that path must always agree with. */
export function parseXmlWithLibrary(body: string): RawFields {
  return parseWithLibrary(dropForbiddenCharacters(body));
}

function parseWithLibrary(text: string): RawFields {
  let document: unknown;
  try {
    document = parser.parse(text, true);
  } catch (error) {
    throw new MessageXmlError(`the body is not well-formed XML (${(error as Error).message})`);
  }
  const top = fold(document as OrderedNode[]);
  const root = top.fields?.['xml'];
  if (root === undefined || top.names !== 1 || (top.text ?? '') !== '') {
    throw new MessageXmlError('the root element is not <xml>');
  }
  return typeof root === 'object' && !Array.isArray(root) ? (root as RawFields) : {};
}

/** An element's value: its child elements as fields, else its text ('' when empty). */
function valueOf(children: OrderedNode[]): RawValue {
  const { fields, text } = fold(children);
  return fields ?? text ?? '';
}

/**
 * Folds nodes into fields: a repeated element or a list element becomes an array; the
 * text between elements (whitespace) is kept apart, and an element with children
 * drops it. (fast-xml-parser itself refuses `__proto__`, `constructor` and
 * `prototype` as names and renames `toString` and its kin.)
 */
function fold(nodes: OrderedNode[]): { fields: Record<string, RawValue> | undefined; names: number; text: string | undefined } {
  let fields: Record<string, RawValue> | undefined;
  let names = 0;
  let text: string | undefined;
  for (const node of nodes) {
    const name = nameOf(node);
    if (name === undefined) continue;
    if (name === '#text') {
      text = text === undefined ? String(node[name]) : text + String(node[name]);
      continue;
    }
    const value = valueOf(node[name] as OrderedNode[]);
    fields ??= {};
    if (Object.hasOwn(fields, name)) {
      // The arrays here are this function's own, so appending in place is safe (and
      // linear: a body of 20,000 repeated elements must not cost 20,000² copies).
      const earlier = fields[name] as RawValue;
      if (Array.isArray(earlier)) (earlier as RawValue[]).push(value);
      else fields[name] = [earlier, value];
    } else {
      fields[name] = LIST_ELEMENTS.has(name) ? [value] : value;
      names += 1;
    }
  }
  return { fields, names, text };
}

function nameOf(node: OrderedNode): string | undefined {
  for (const key in node) if (key !== ':@') return key;
  return undefined;
}
