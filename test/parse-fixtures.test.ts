import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { RawFields, RawValue } from '../src/protocol/message-types.js';
import { isKnownMessage } from '../src/protocol/message-types.js';
import { parseXml } from '../src/protocol/parse-xml.js';
import { toMessage } from '../src/protocol/to-message.js';

const dir = new URL('../../shared/fixtures/wechat/messages/', import.meta.url);
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
    for (const name of ['text', 'image', 'voice', 'video', 'shortvideo', 'location', 'link', 'file', 'event_subscribe', 'event_unsubscribe', 'event_scan', 'event_location', 'event_click', 'event_view', 'event_templatesendjobfinish', 'event_scancode_push', 'event_pic_sysphoto']) {
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
