import assert from 'node:assert/strict';
import type { Arbitrary } from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { RawFields, RawValue } from '../src/protocol/message-types.js';
import { isKnownMessage } from '../src/protocol/message-types.js';
import { parseXml } from '../src/protocol/parse-xml.js';
import { readEncryptField } from '../src/protocol/safe-mode.js';
import { UnopenableMessageError } from '../src/errors.js';
import { toMessage } from '../src/protocol/to-message.js';

const dir = new URL('./fixtures/wechat/messages/', import.meta.url);
const expected = JSON.parse(readFileSync(new URL('expected.json', dir), 'utf8')) as Record<string, RawFields>;
const fixtures = readdirSync(dir).filter((name) => name.endsWith('.xml'));

/** expected.json keeps one repeated item as an object; the parser always gives a list. */
function asLists(value: RawValue | undefined, name = ''): RawValue | undefined {
  if (value === undefined || typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map((item) => asLists(item as RawValue) as RawValue);
  const fields: Record<string, RawValue> = {};
  for (const [key, child] of Object.entries(value as RawFields)) {
    const normalized = asLists(child, key) as RawValue;
    fields[key] = (key === 'item' || key === 'List') && name !== '' && !Array.isArray(normalized) ? [normalized] : normalized;
  }
  return fields;
}

describe('parsing WeChat’s real message fixtures', () => {
  it('has fixtures to read', () => {
    assert.ok(fixtures.length >= 20, `only ${fixtures.length} fixtures`);
  });

  for (const name of fixtures) {
    it(`${name}: every field is the exact string WeChat sent`, () => {
      const fields = parseXml(readFileSync(new URL(name, dir), 'utf8'));
      assert.deepEqual(fields, asLists(expected[name], 'xml'));
    });
  }

  it('knows every standard message type and the events the contract names', () => {
    const known = fixtures.filter((name) => isKnownMessage(toMessage(parseXml(readFileSync(new URL(name, dir), 'utf8')))));
    for (const name of [
      'text',
      'image',
      'voice',
      'video',
      'shortvideo',
      'location',
      'link',
      'file',
      'event_subscribe',
      'event_unsubscribe',
      'event_scan',
      'event_location',
      'event_click',
      'event_view',
      'event_templatesendjobfinish',
      'event_scancode_push',
      'event_pic_sysphoto',
    ]) {
      assert.ok(known.includes(`${name}.xml`), `${name}.xml is not known`);
    }
    assert.ok(!known.includes('unknown_msgtype.xml'));
  });

  it('keeps an unknown message type with its raw fields', () => {
    const message = toMessage(parseXml(readFileSync(new URL('unknown_msgtype.xml', dir), 'utf8')));
    assert.ok('unknown' in message);
    assert.deepEqual(message.raw, expected['unknown_msgtype.xml']);
  });

  it('gives ScanCodeInfo and a one-item PicList their typed shape', () => {
    const scan = toMessage(parseXml(readFileSync(new URL('event_scancode_push.xml', dir), 'utf8')));
    assert.ok(isKnownMessage(scan) && scan.MsgType === 'event' && scan.Event === 'scancode_push');
    assert.deepEqual({ ...scan.ScanCodeInfo }, { ScanType: 'qrcode', ScanResult: '1' });

    const pics = toMessage(parseXml(readFileSync(new URL('event_pic_sysphoto.xml', dir), 'utf8')));
    assert.ok(isKnownMessage(pics) && pics.MsgType === 'event' && pics.Event === 'pic_sysphoto');
    assert.equal(pics.SendPicsInfo.PicList.item.length, 1);
    assert.equal(pics.SendPicsInfo.PicList.item[0]?.PicMd5Sum, '1b5f7c23b5bf75682a53e7b6d163e185');
  });

  it('reads MsgID (capital D) on TEMPLATESENDJOBFINISH', () => {
    const message = toMessage(parseXml(readFileSync(new URL('event_templatesendjobfinish.xml', dir), 'utf8')));
    assert.ok(isKnownMessage(message) && message.MsgType === 'event' && message.Event === 'TEMPLATESENDJOBFINISH');
    assert.equal(message.MsgID, (expected['event_templatesendjobfinish.xml'] as RawFields).MsgID);
  });
});

describe('folding the parser’s nodes into fields', () => {
  /**
   * The oracle: fast-xml-parser's own object building (with the same options), less the
   * whitespace text it keeps between elements. parseXml folds the parser's ordered nodes
   * itself; it must give the same fields for every body, or fail where it fails.
   */
  async function objectModeParse(): Promise<(body: string) => RawFields> {
    const { XMLParser } = await import('fast-xml-parser');
    const parser = new XMLParser({
      ignoreAttributes: true,
      ignoreDeclaration: true,
      ignorePiTags: true,
      parseTagValue: false,
      trimValues: false,
      processEntities: false,
      isArray: (name, path) => (name === 'item' || name === 'List') && typeof path === 'string' && path.includes('.'),
    });
    const withoutText = (value: unknown): RawValue => {
      if (typeof value === 'string') return value;
      if (Array.isArray(value)) return value.map(withoutText);
      const fields: Record<string, RawValue> = {};
      for (const [key, child] of Object.entries(value as object)) if (key !== '#text') fields[key] = withoutText(child);
      return fields;
    };
    return (body) => {
      const document = parser.parse(body, true) as Record<string, unknown>;
      const root = document['xml'];
      if (Object.keys(document).length !== 1 || root === undefined) throw new Error('not <xml>');
      return typeof root === 'object' && root !== null && !Array.isArray(root) ? (withoutText(root) as RawFields) : {};
    };
  }

  it('gives the fields fast-xml-parser’s object mode gives, for any nesting, repetition and text (property)', async () => {
    const fc = (await import('fast-check')).default;
    const oracle = await objectModeParse();
    const name = fc.constantFrom('A', 'B', 'item', 'List', 'constructor', 'toString', 'xml', 'Content');
    const text = fc.constantFrom('', ' ', '\n  ', 'x', '中文', '1 < 2', '<![CDATA[a]]>', '<![CDATA[ b ]]>tail', '<!-- note -->');
    const { element } = fc.letrec<{ element: string }>((tie) => ({
      element: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        fc.tuple(name, text).map(([n, t]) => (t === '' && n === 'B' ? `<${n}/>` : `<${n}>${t}</${n}>`)),
        fc
          .tuple(name, fc.array(fc.tuple(text, tie('element')), { maxLength: 4 }), text)
          .map(([n, children, tail]) => `<${n}>${children.map(([t, child]) => t + child).join('')}${tail}</${n}>`),
      ),
    }));
    const body = fc
      .tuple(
        fc.constantFrom('', '<?xml version="1.0"?>', ' \n'),
        fc.array(fc.tuple(text, element), { maxLength: 5 }),
        text,
        fc.constantFrom('', '\n', 'x', '<xml/>'),
      )
      .map(([before, children, tail, after]) => `${before}<xml>${children.map(([t, child]) => t + child).join('')}${tail}</xml>${after}`);
    fc.assert(
      fc.property(body, (xml) => {
        let expected: RawFields | undefined;
        try {
          expected = oracle(xml);
        } catch {
          expected = undefined;
        }
        if (expected === undefined) assert.throws(() => parseXml(xml), `accepted ${xml}`);
        else assert.deepEqual(parseXml(xml), expected, xml);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('reading the safe-mode envelope', () => {
  it('reads the Encrypt that parseXml reads, or refuses the body; never refuses a canonical one (property)', async () => {
    const fc = (await import('fast-check')).default;
    // Each part canonical most of the time, so that bodies one or two changes away
    // from WeChat's shape are frequent.
    const mostly = <T>(canonical: Arbitrary<T>, other: Arbitrary<T>) =>
      fc.oneof({ arbitrary: canonical, weight: 5 }, { arbitrary: other, weight: 1 });
    const space = mostly(fc.constantFrom('', ' ', '\n', '\t', '\r\n', '\n    '), fc.constantFrom('\u00a0', '\u2028', '\u000b', 'x'));
    const account = mostly(
      fc.constantFrom('gh_0123456789ab', '', 'gh-a_b'),
      fc.constantFrom('a b', 'x\u0001y', '中文', 'a]]>b', 'a&amp;b'),
    );
    const encrypt = mostly(
      fc.base64String({ minLength: 4, maxLength: 64 }),
      fc.constantFrom('', 'ab c', 'a&amp;b', 'a<b', 'a]]b', '中', 'a\u0001'),
    );
    const cdata = (name: string, value: string, plain: boolean) =>
      plain ? `<${name}>${value}</${name}>` : `<${name}><![CDATA[${value}]]></${name}>`;
    const body = fc
      .record({
        before: mostly(fc.constant(''), fc.constantFrom('<?xml version="1.0" encoding="UTF-8"?>', '\ufeff', ' ')),
        s1: space,
        s2: space,
        s3: space,
        after: mostly(fc.constantFrom('', '\n', '\r\n \t'), fc.constantFrom('x', '<!-- c -->', '<xml/>', '\u00a0')),
        account,
        encrypt,
        swapped: mostly(fc.constant(false), fc.constant(true)),
        plain: mostly(fc.constant(false), fc.constant(true)),
        extra: mostly(fc.constant(''), fc.constantFrom('<AgentID>1</AgentID>', '<Encrypt>2</Encrypt>')),
        closing: mostly(fc.constant('</xml>'), fc.constantFrom('</XML>', '', '</xml')),
      })
      .map(({ before, s1, s2, s3, after, account, encrypt, swapped, plain, extra, closing }) => {
        const to = cdata('ToUserName', account, false);
        const enc = cdata('Encrypt', encrypt, plain);
        const [first, second] = swapped ? [enc, to] : [to, enc];
        return `${before}<xml>${s1}${first}${s2}${second}${extra}${s3}${closing}${after}`;
      });
    const canonical =
      /^<xml>[ \t\r\n]*(<ToUserName><!\[CDATA\[[A-Za-z0-9_-]*\]\]><\/ToUserName>[ \t\r\n]*)?<Encrypt>(<!\[CDATA\[)?[A-Za-z0-9+/]+={0,2}(\]\]>)?<\/Encrypt>[ \t\r\n]*(<ToUserName><!\[CDATA\[[A-Za-z0-9_-]*\]\]><\/ToUserName>[ \t\r\n]*)?<\/xml>[ \t\r\n]*$/;
    fc.assert(
      fc.property(body, (xml) => {
        let read: string | undefined;
        try {
          read = readEncryptField(xml);
        } catch (error) {
          assert.ok(error instanceof UnopenableMessageError, String(error));
          assert.ok(!canonical.test(xml), `refused a canonical envelope: ${JSON.stringify(xml)}`);
          return;
        }
        assert.equal(read, parseXml(xml).Encrypt, JSON.stringify(xml));
      }),
      { numRuns: 2000 },
    );
  });
});
