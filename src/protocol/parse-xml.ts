import { XMLParser } from 'fast-xml-parser';
import type { RawFields, RawValue } from './message-types.js';

/** Why a body is not a WeChat message; the webhook answers 400 with it. */
export class MessageXmlError extends Error {
  override readonly name = 'MessageXmlError';
}

// Characters XML 1.0 forbids. Users' clients have sent them inside text; they are
// dropped so that the message is still answered (CONTRACT.md, "Parsing").
// eslint-disable-next-line no-control-regex
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** Removes the characters XML 1.0 does not allow, leaving every other one as it is. */
export function dropForbiddenCharacters(text: string): string {
  FORBIDDEN_CHARACTERS.lastIndex = 0;
  return FORBIDDEN_CHARACTERS.test(text) ? text.replace(FORBIDDEN_CHARACTERS, '') : text;
}

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

const parser = new XMLParser({
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
  isArray: (tagName, path) => LIST_ELEMENTS.has(tagName) && (typeof path === 'string' ? path.includes('.') : path.getDepth() > 1),
});

/**
 * Parses a message body into its fields, each the exact string WeChat sent: no
 * number coercion, no trimming. Throws MessageXmlError when the body is not
 * well-formed XML with a single `<xml>` root element.
 */
export function parseXml(body: string): RawFields {
  const text = dropForbiddenCharacters(body);
  let document: unknown;
  try {
    document = parser.parse(text, true);
  } catch (error) {
    throw new MessageXmlError(`the body is not well-formed XML (${(error as Error).message})`);
  }
  const root = (document as Record<string, unknown>)['xml'];
  const keys = Object.keys(document as object);
  if (keys.length !== 1 || root === undefined) {
    throw new MessageXmlError('the root element is not <xml>');
  }
  if (typeof root !== 'object' || root === null || Array.isArray(root)) {
    return {};
  }
  return withoutText(root as Record<string, unknown>);
}

/** Drops the whitespace between elements that the parser keeps as `#text`. */
function withoutText(node: Record<string, unknown>): RawFields {
  const fields: Record<string, RawValue> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === '#text') continue;
    fields[key] = normalize(value);
  }
  return fields;
}

function normalize(value: unknown): RawValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(normalize) as RawValue;
  if (typeof value === 'object' && value !== null) return withoutText(value as Record<string, unknown>);
  return String(value);
}
