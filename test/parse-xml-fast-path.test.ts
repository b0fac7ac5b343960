import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cdata } from '../src/protocol/build-reply.js';
import type { RawFields } from '../src/protocol/message-types.js';
import { tryParseFlatXml } from '../src/protocol/parse-flat-xml.js';
import { parseXml, parseXmlWithLibrary } from '../src/protocol/parse-xml.js';
import { dropForbiddenCharacters } from '../src/protocol/xml-characters.js';

const fixtures = new URL('./fixtures/wechat/messages/', import.meta.url);

function outcome(parse: (body: string) => RawFields, body: string): { fields: RawFields } | { error: string } {
  try {
    return { fields: parse(body) };
  } catch (error) {
    return { error: (error as Error).name };
  }
}

/** The fast path (through parseXml) and fast-xml-parser give the same fields, or both refuse. */
function assertSameBothWays(body: string): void {
  assert.deepEqual(outcome(parseXml, body), outcome(parseXmlWithLibrary, body), JSON.stringify(body));
}

const realisticName = fc.constantFrom(
  'ToUserName',
  'FromUserName',
  'CreateTime',
  'MsgType',
  'Content',
  'MsgId',
  'MsgDataId',
  'Idx',
  'Event',
  'EventKey',
  'Ticket',
  'Latitude',
  'Encrypt',
  'xml',
  'MsgID',
  'Recognition',
);
const randomName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,12}$/);
// Names the general parser treats apart; the fast path leaves them to it.
const specialName = (name: string) => name === 'item' || name === 'List' || name === 'prototype' || name in Object.prototype;
const name = fc.oneof(realisticName, randomName).filter((n) => !specialName(n));

const fragment = fc.constantFrom(
  ']]>',
  ']]',
  ']',
  '>',
  '<',
  '&',
  '&amp;',
  '&lt;',
  '&#65;',
  '&lol;',
  '<![CDATA[',
  '</Content>',
  '<!-- c -->',
  '\r\n',
  '\r',
  '\n',
  '\t',
  ' ',
  '😀',
  '中文',
  '\ud800',
  '\udfff',
  '\u0001',
  '\uffff',
  '\u00a0',
  '\u2028',
);
const value = fc
  .array(fc.oneof(fragment, fc.string({ unit: 'binary', maxLength: 8 }), fc.string({ maxLength: 8 })), { maxLength: 6 })
  .map((parts) => parts.join(''));
const space = fc.constantFrom('', '', ' ', '\n', '\r\n', '\t', '\n    ', '\r');

/** What a field reads as: forbidden characters dropped, line ends as XML reads them. */
const expectedString = (raw: string) => dropForbiddenCharacters(raw).replace(/\r\n?/g, '\n');
const plainTextAllowed = (raw: string) => !/[<>&]/.test(dropForbiddenCharacters(raw));

interface Canonical {
  readonly body: string;
  readonly fields: Record<string, string>;
}

/** WeChat's flat message: unique names, each value in CDATA or (when it can be) as plain text. */
const canonical: fc.Arbitrary<Canonical> = fc
  .tuple(
    fc.uniqueArray(fc.tuple(name, value, fc.constantFrom('cdata', 'plain', 'empty'), space), {
      selector: ([n]) => n,
      maxLength: 8,
    }),
    space,
    fc.constantFrom('', '\n', ' \n'),
    fc.constantFrom('', '\n', '\r\n'),
  )
  .map(([elements, last, before, after]) => {
    const fields: Record<string, string> = {};
    let inner = '';
    for (const [n, raw, form, gap] of elements) {
      if (form === 'empty') {
        inner += `${gap}<${n}/>`;
        fields[n] = '';
      } else if (form === 'plain' && plainTextAllowed(raw)) {
        inner += `${gap}<${n}>${raw}</${n}>`;
        fields[n] = expectedString(raw);
      } else {
        inner += `${gap}<${n}>${cdata(raw)}</${n}>`;
        fields[n] = expectedString(raw);
      }
    }
    return { body: `${before}<xml>${inner}${last}</xml>${after}`, fields };
  });

describe('parseXml’s fast path for flat messages', () => {
  it('takes canonical messages, with the exact fields fast-xml-parser gives (property)', () => {
    fc.assert(
      fc.property(canonical, ({ body, fields }) => {
        const fast = tryParseFlatXml(dropForbiddenCharacters(body));
        assert.ok(fast !== undefined, `declined ${JSON.stringify(body)}`);
        assert.deepEqual(fast, fields);
        assert.deepEqual(parseXml(body), fields);
        assert.deepEqual(parseXmlWithLibrary(body), fields);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with fast-xml-parser on near misses: the same fields, or both refuse (property)', () => {
    const noise = fc.oneof(
      fragment,
      fc.constantFrom(
        '<xml>',
        '</xml>',
        '<xml/>',
        '<A>',
        '</A>',
        '<A/>',
        '<item>',
        '</item>',
        '<List>1</List>',
        '<toString>1</toString>',
        '<constructor>',
        '<__proto__>',
        ' a="1"',
        '/>',
        '</',
        '<?xml version="1.0"?>',
        '<!DOCTYPE xml>',
        '<?pi x?>',
        '\ufeff',
        '<![CDATA[x]]>',
        'x',
        '1',
        ':',
        '-',
        '.',
      ),
    );
    const mutation = fc.oneof(
      fc.tuple(fc.constant('insert' as const), fc.nat(), fc.nat(), noise),
      fc.tuple(fc.constant('delete' as const), fc.nat(), fc.integer({ min: 1, max: 12 }), fc.constant('')),
      fc.tuple(fc.constant('replace' as const), fc.nat(), fc.integer({ min: 1, max: 3 }), noise),
      fc.tuple(fc.constant('repeat' as const), fc.nat(), fc.integer({ min: 1, max: 40 }), fc.constant('')),
    );
    const nearMiss = fc.tuple(canonical, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([{ body }, mutations]) =>
      mutations.reduce((text, [kind, position, length, piece]) => {
        const at = position % (text.length + 1);
        if (kind === 'insert') return text.slice(0, at) + piece + text.slice(at);
        if (kind === 'delete') return text.slice(0, at) + text.slice(at + length);
        if (kind === 'replace') return text.slice(0, at) + piece + text.slice(at + length);
        return text.slice(0, at + length) + text.slice(at);
      }, body),
    );
    fc.assert(fc.property(nearMiss, assertSameBothWays), { numRuns: 3000 });
  });

  it('reads every fixture as fast-xml-parser does, and takes the flat ones', () => {
    const names = readdirSync(fixtures).filter((file) => file.endsWith('.xml'));
    const taken: string[] = [];
    for (const file of names) {
      const body = readFileSync(new URL(file, fixtures), 'utf8');
      assert.deepEqual(parseXml(body), parseXmlWithLibrary(body), file);
      const fast = tryParseFlatXml(dropForbiddenCharacters(body));
      if (fast !== undefined) {
        assert.deepEqual(fast, parseXmlWithLibrary(body), file);
        taken.push(file);
      }
    }
    for (const flat of ['text.xml', 'image.xml', 'event_subscribe.xml', 'event_click.xml', 'location.xml']) {
      assert.ok(taken.includes(flat), `${flat} went to the general parser`);
    }
    for (const nested of ['event_scancode_push.xml', 'event_pic_sysphoto.xml']) assert.ok(!taken.includes(nested), nested);
  });

  it('leaves to fast-xml-parser what it does not fully understand, which then reads it or refuses it', () => {
    const declined: [string, string][] = [
      ['a BOM', '\ufeff<xml><A>1</A></xml>'],
      ['a declaration', '<?xml version="1.0"?><xml><A>1</A></xml>'],
      ['a DOCTYPE', '<!DOCTYPE xml><xml><A>1</A></xml>'],
      ['a comment', '<xml><!-- c --><A>1</A></xml>'],
      ['an attribute', '<xml><A b="1">1</A></xml>'],
      ['nesting', '<xml><ScanCodeInfo><ScanType>qrcode</ScanType></ScanCodeInfo></xml>'],
      ['a repeated name', '<xml><A>1</A><A>2</A></xml>'],
      ['a list element', '<xml><item>1</item></xml>'],
      ['a renamed name', '<xml><toString>1</toString></xml>'],
      ['a refused name', '<xml><constructor>1</constructor></xml>'],
      ['an entity reference', '<xml><A>a&amp;b</A></xml>'],
      ['text mixed with CDATA', '<xml><A> <![CDATA[x]]></A></xml>'],
      ['an unclosed element', '<xml><A>1</xml>'],
      ['a mismatched end tag', '<xml><A>1</B></xml>'],
      ['an unterminated CDATA section', '<xml><A><![CDATA[1</A></xml>'],
      ['text after a CDATA section', '<xml><A><![CDATA[x]]>y/A></xml>'],
      ['text after the root', '<xml><A>1</A></xml>x'],
      ['a no-break space before the root', '\u00a0<xml><A>1</A></xml>'],
      ['a no-break space after the root', '<xml><A>1</A></xml>\u00a0'],
      ['a second root', '<xml><A>1</A></xml><xml/>'],
      ['another root', '<doc><A>1</A></doc>'],
    ];
    for (const [what, body] of declined) {
      assert.equal(tryParseFlatXml(body), undefined, what);
      assertSameBothWays(body);
    }
    assert.throws(() => parseXml('<xml><A>1</B></xml>'), { name: 'MessageXmlError' });
    assert.throws(() => parseXml('<xml><constructor>1</constructor></xml>'), { name: 'MessageXmlError' });
  });
});
