import assert from 'node:assert/strict';
import type { Arbitrary } from 'fast-check';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { EventMessage, MessagesByKey, RawFields, RawValue } from '../src/protocol/message-types.js';
import { isKnownMessage } from '../src/protocol/message-types.js';
import { parseXml } from '../src/protocol/parse-xml.js';
import { readEncryptField } from '../src/protocol/safe-mode.js';
import { UnopenableMessageError } from '../src/core/errors.js';
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
      'event_location_select',
      'event_view_miniprogram',
      'event_masssendjobfinish',
      'event_publishjobfinish',
      'event_publishjobfinish_fail',
      'event_kf_create_session',
      'event_kf_close_session',
      'event_kf_switch_session',
      'event_subscribe_msg_popup',
      'event_subscribe_msg_change_single_list',
      'event_subscribe_msg_sent',
      'event_qualification_verify_success',
      'event_qualification_verify_fail',
      'event_naming_verify_success',
      'event_naming_verify_fail',
      'event_annual_renew',
      'event_verify_expired',
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

describe('the events of the account’s features, typed field by field', () => {
  /** A fixture's message, known and narrowed to its event (or the test fails). */
  function eventOf<E extends EventMessage['Event']>(name: string, event: E) {
    const message = toMessage(parseXml(readFileSync(new URL(name, dir), 'utf8')));
    assert.ok(isKnownMessage(message), `${name} is not known`);
    assert.ok(message.MsgType === 'event' && message.Event === event, `${name} is not ${event}`);
    return message as MessagesByKey[`event.${E}`];
  }
  /** A plain copy, so that deepEqual compares the fields and not the objects' kind. */
  const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

  it('location_select: EventKey and SendLocationInfo, an empty Poiname included', () => {
    const event = eventOf('event_location_select.xml', 'location_select');
    assert.equal(event.EventKey, '6');
    assert.deepEqual(plain(event.SendLocationInfo), {
      Location_X: '23',
      Location_Y: '113',
      Scale: '15',
      Label: '广州市海珠区客村艺苑路 106号',
      Poiname: '',
    });
  });

  it('view_miniprogram: the page path in EventKey, and MenuId', () => {
    const event = eventOf('event_view_miniprogram.xml', 'view_miniprogram');
    assert.equal(event.EventKey, 'pages/index/index');
    assert.equal(event.MenuId, 'MENUID');
  });

  it('PUBLISHJOBFINISH (published): PublishEventInfo with its article_detail items, and no fail_idx', () => {
    const { PublishEventInfo: info } = eventOf('event_publishjobfinish.xml', 'PUBLISHJOBFINISH');
    assert.equal(info.publish_id, '2247503051');
    assert.equal(info.publish_status, '0');
    assert.equal(info.article_id, 'b5O2OUs25HBxRceL7hfReg-U9QGeq9zQjiDvy WP4Hq4');
    assert.equal(info.article_detail?.count, '1');
    assert.deepEqual(plain(info.article_detail?.item), [
      { idx: '1', article_url: 'ARTICLE_URL' },
      { idx: '2', article_url: 'ARTICLE_URL_2' },
    ]);
    assert.deepEqual(info.fail_idx, []);
  });

  it('PUBLISHJOBFINISH (failed): every repeated fail_idx in a list, no article_detail', () => {
    const { PublishEventInfo: info } = eventOf('event_publishjobfinish_fail.xml', 'PUBLISHJOBFINISH');
    assert.equal(info.publish_status, '2');
    assert.deepEqual(info.fail_idx, ['1', '2']);
    assert.equal(info.article_detail, undefined);
    assert.equal(info.article_id, undefined);
  });

  it('PUBLISHJOBFINISH with one fail_idx still gives a list', () => {
    const message = toMessage(
      parseXml(
        '<xml><ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>PUBLISHJOBFINISH</Event><PublishEventInfo><publish_id>9</publish_id><publish_status>4</publish_status><fail_idx>3</fail_idx></PublishEventInfo></xml>',
      ),
    );
    assert.ok(isKnownMessage(message) && message.MsgType === 'event' && message.Event === 'PUBLISHJOBFINISH');
    assert.deepEqual(message.PublishEventInfo.fail_idx, ['3']);
  });

  it('MASSSENDJOBFINISH: the counts, CopyrightCheckResult and ArticleUrlResult (one item still a list)', () => {
    const event = eventOf('event_masssendjobfinish.xml', 'MASSSENDJOBFINISH');
    assert.deepEqual(
      [event.MsgID, event.Status, event.TotalCount, event.FilterCount, event.SentCount, event.ErrorCount],
      ['1000001625', 'err(30003)', '0', '0', '0', '0'],
    );
    assert.equal(event.CopyrightCheckResult?.Count, '2');
    assert.equal(event.CopyrightCheckResult?.CheckState, '2');
    assert.deepEqual(plain(event.CopyrightCheckResult?.ResultList.item[1]), {
      ArticleIdx: '2',
      UserDeclareState: '0',
      AuditState: '2',
      OriginalArticleUrl: 'Url_2',
      OriginalArticleType: '1',
      CanReprint: '1',
      NeedReplaceContent: '1',
      NeedShowReprintSource: '1',
    });
    assert.equal(event.ArticleUrlResult?.Count, '1');
    assert.deepEqual(plain(event.ArticleUrlResult?.ResultList.item), [{ ArticleIdx: '1', ArticleUrl: 'Url' }]);
  });

  it('kf_create_session and kf_close_session: KfAccount', () => {
    assert.equal(eventOf('event_kf_create_session.xml', 'kf_create_session').KfAccount, 'test1@test');
    assert.equal(eventOf('event_kf_close_session.xml', 'kf_close_session').KfAccount, 'test1@test');
  });

  it('kf_switch_session: FromKfAccount and ToKfAccount', () => {
    const event = eventOf('event_kf_switch_session.xml', 'kf_switch_session');
    assert.equal(event.FromKfAccount, 'test1@test');
    assert.equal(event.ToKfAccount, 'test2@test');
  });

  it('subscribe_msg_popup_event: each List item’s TemplateId, SubscribeStatusString and PopupScene', () => {
    const event = eventOf('event_subscribe_msg_popup.xml', 'subscribe_msg_popup_event');
    assert.deepEqual(plain(event.SubscribeMsgPopupEvent.List), [
      { TemplateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc', SubscribeStatusString: 'accept', PopupScene: '2' },
      { TemplateId: '9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI', SubscribeStatusString: 'reject', PopupScene: '2' },
    ]);
  });

  it('subscribe_msg_change_event: one List item is still a list', () => {
    const event = eventOf('event_subscribe_msg_change_single_list.xml', 'subscribe_msg_change_event');
    assert.deepEqual(plain(event.SubscribeMsgChangeEvent.List), [
      { TemplateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc', SubscribeStatusString: 'reject' },
    ]);
  });

  it('subscribe_msg_sent_event: TemplateId, MsgID (the 64-bit id exact), ErrorCode and ErrorStatus', () => {
    const event = eventOf('event_subscribe_msg_sent.xml', 'subscribe_msg_sent_event');
    assert.deepEqual(plain(event.SubscribeMsgSentEvent.List), [
      { TemplateId: 'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc', MsgID: '1700827132819554304', ErrorCode: '0', ErrorStatus: 'success' },
    ]);
  });

  for (const [event, time] of [
    ['qualification_verify_success', '1442401156'],
    ['naming_verify_success', '1442401093'],
    ['annual_renew', '1442401004'],
    ['verify_expired', '1442400900'],
  ] as const) {
    it(`${event}: ExpiredTime`, () => {
      assert.equal(eventOf(`event_${event}.xml`, event).ExpiredTime, time);
    });
  }

  for (const [event, time] of [
    ['qualification_verify_fail', '1442401122'],
    ['naming_verify_fail', '1442401061'],
  ] as const) {
    it(`${event}: FailTime and FailReason`, () => {
      const message = eventOf(`event_${event}.xml`, event);
      assert.equal(message.FailTime, time);
      assert.equal(message.FailReason, 'by time');
    });
  }

  it('a nested part that is missing or text makes the event unknown, not a crash; an unknown event stays unknown', () => {
    const header = '<ToUserName>gh</ToUserName><FromUserName>o</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>';
    for (const body of [
      '<Event>location_select</Event><EventKey>k</EventKey>',
      '<Event>location_select</Event><EventKey>k</EventKey><SendLocationInfo>23,113</SendLocationInfo>',
      '<Event>PUBLISHJOBFINISH</Event>',
      '<Event>subscribe_msg_sent_event</Event><SubscribeMsgSentEvent>x</SubscribeMsgSentEvent>',
      '<Event>MASSSENDJOBFINISH</Event><MsgID>1</MsgID><Status>ok</Status><ArticleUrlResult>x</ArticleUrlResult>',
      '<Event>kf_switch_session</Event><FromKfAccount><a/></FromKfAccount><ToKfAccount>b</ToKfAccount>',
      '<Event>a_future_event</Event><Whatever><Deep>1</Deep></Whatever>',
    ]) {
      const message = toMessage(parseXml(`<xml>${header}${body}</xml>`));
      assert.ok(!isKnownMessage(message), body);
      assert.equal(message.MsgType, 'event');
    }
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
