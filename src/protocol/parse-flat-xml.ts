import type { RawFields } from './message-types.js';

const LESS_THAN = 0x3c;
const GREATER_THAN = 0x3e;
const SLASH = 0x2f;
const CDATA_OPEN = '<![CDATA[';
const CDATA_CLOSE = ']]>';

function isSpace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isNameCharacter(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39);
}

function skipSpace(text: string, at: number): number {
  while (isSpace(text.charCodeAt(at))) at += 1;
  return at;
}

/**
 * Names the general parser treats apart, left to it: list elements always become arrays,
 * and the names of Object.prototype are refused or renamed. A Set lookup costs half of
 * `name in Object.prototype`, which walks the prototype's properties for every element.
 */
const SET_APART = new Set(['item', 'List', 'prototype', ...Object.getOwnPropertyNames(Object.prototype)]);

function isOrdinaryName(name: string): boolean {
  return !SET_APART.has(name);
}

/**
 * Reads WeChat's usual message, a flat `<xml>` of elements that each hold CDATA
 * sections or plain text, in one pass without the general parser. Returns undefined
 * for anything else (attributes, nesting, comments, a declaration, a BOM, entities,
 * repeated names, a malformed body), which the general parser then reads or refuses:
 * this only ever accepts, with the fields that parser would give.
 * `text` is the body after dropForbiddenCharacters.
 */
export function tryParseFlatXml(text: string): RawFields | undefined {
  // XML reads every CRLF and lone CR as LF, in CDATA too, as the general parser does.
  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  let at = skipSpace(text, 0);
  if (!text.startsWith('<xml>', at)) return undefined;
  at += 5;
  const fields: Record<string, string> = {};
  for (;;) {
    at = skipSpace(text, at);
    if (text.charCodeAt(at) !== LESS_THAN) return undefined;
    if (text.startsWith('</xml>', at)) {
      at += 6;
      break;
    }
    const nameStart = at + 1;
    if (!isNameStart(text.charCodeAt(nameStart))) return undefined;
    let nameEnd = nameStart + 1;
    while (isNameCharacter(text.charCodeAt(nameEnd))) nameEnd += 1;
    const name = text.slice(nameStart, nameEnd);
    if (!isOrdinaryName(name) || Object.hasOwn(fields, name)) return undefined;

    if (text.charCodeAt(nameEnd) === SLASH && text.charCodeAt(nameEnd + 1) === GREATER_THAN) {
      fields[name] = '';
      at = nameEnd + 2;
      continue;
    }
    if (text.charCodeAt(nameEnd) !== GREATER_THAN) return undefined;
    at = nameEnd + 1;

    let value: string;
    if (text.startsWith(CDATA_OPEN, at)) {
      // `]]>` inside a value arrives split across consecutive sections; they join.
      value = '';
      do {
        const end = text.indexOf(CDATA_CLOSE, at + CDATA_OPEN.length);
        if (end < 0) return undefined;
        value += text.slice(at + CDATA_OPEN.length, end);
        at = end + CDATA_CLOSE.length;
      } while (text.startsWith(CDATA_OPEN, at));
    } else {
      const end = text.indexOf('<', at);
      if (end < 0) return undefined;
      value = text.slice(at, end);
      // Entity references (and a stray `]]>`) are the general parser's business.
      if (value.includes('&') || value.includes('>')) return undefined;
      at = end;
    }

    if (
      text.charCodeAt(at) !== LESS_THAN ||
      text.charCodeAt(at + 1) !== SLASH ||
      !text.startsWith(name, at + 2) ||
      text.charCodeAt(at + 2 + name.length) !== GREATER_THAN
    ) {
      return undefined;
    }
    at += name.length + 3;
    fields[name] = value;
  }
  return skipSpace(text, at) === text.length ? fields : undefined;
}
