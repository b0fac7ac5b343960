import type {
  InboundMessage,
  KnownMessageKey,
  MessagesByKey,
  RawFields,
  RawValue,
  UnknownMessage,
  WeChatMessage,
} from './message-types.js';
import { MessageXmlError } from '../errors.js';

// The string fields each known type always carries, beyond ToUserName, FromUserName and
// CreateTime. One that is missing reads as '' (only hand-made messages lack them); one
// that is not a string (an element with children) makes the message unknown.
// Both tables are checked against MessagesByKey: a key it lacks, or a field its
// message does not have, fails to compile, and FIELDS must name every key.
type FieldsOf<K extends KnownMessageKey> = readonly Exclude<keyof MessagesByKey[K], 'raw'>[];
const STANDARD = ['MsgId'] as const;
const FIELDS = {
  text: [...STANDARD, 'Content'],
  image: [...STANDARD, 'PicUrl', 'MediaId'],
  voice: [...STANDARD, 'MediaId', 'Format'],
  video: [...STANDARD, 'MediaId', 'ThumbMediaId'],
  shortvideo: [...STANDARD, 'MediaId', 'ThumbMediaId'],
  location: [...STANDARD, 'Location_X', 'Location_Y', 'Scale', 'Label'],
  link: [...STANDARD, 'Title', 'Description', 'Url'],
  file: [...STANDARD, 'Title', 'Description', 'FileKey', 'FileMd5', 'FileTotalLen'],
  'event.subscribe': [],
  'event.unsubscribe': [],
  'event.SCAN': ['EventKey'],
  'event.LOCATION': ['Latitude', 'Longitude', 'Precision'],
  'event.CLICK': ['EventKey'],
  'event.VIEW': ['EventKey'],
  'event.scancode_push': ['EventKey'],
  'event.scancode_waitmsg': ['EventKey'],
  'event.pic_sysphoto': ['EventKey'],
  'event.pic_photo_or_album': ['EventKey'],
  'event.pic_weixin': ['EventKey'],
  'event.TEMPLATESENDJOBFINISH': ['MsgID', 'Status'],
  'event.MASSSENDJOBFINISH': ['MsgID', 'Status'],
  'event.subscribe_msg_popup_event': [],
  'event.subscribe_msg_change_event': [],
  'event.subscribe_msg_sent_event': [],
} satisfies { readonly [K in KnownMessageKey]: FieldsOf<K> };

// Fields a type may leave out but that, when present, must be text like the rest: an
// element in their place makes the message unknown too, not a crash in a rule.
const OPTIONAL = {
  voice: ['Recognition'],
  'event.subscribe': ['EventKey', 'Ticket'],
  'event.unsubscribe': ['EventKey'],
  'event.SCAN': ['Ticket'],
} satisfies { readonly [K in KnownMessageKey]?: FieldsOf<K> };

/** A table's fields for any key, the unknown ones included (own properties only). */
function fieldsFor(table: Readonly<Partial<Record<string, readonly string[]>>>, key: string): readonly string[] | undefined {
  // Own properties only: a MsgType such as "constructor" must not find Object's.
  return Object.hasOwn(table, key) ? table[key] : undefined;
}

/** The routing key of a message: its `MsgType`, or `event.<Event>` for an event. */
function messageKey(MsgType: string, Event: string | undefined): string {
  return MsgType === 'event' ? `event.${Event ?? ''}` : MsgType;
}

/** The routing key of a parsed message (see messageKey). */
export function keyOf(message: InboundMessage): string {
  const { Event } = message.raw;
  return messageKey(message.MsgType, typeof Event === 'string' ? Event : undefined);
}

/** The message's id, for logs: `MsgId`, or `MsgID` on the *JOBFINISH events. */
export function idOf(message: InboundMessage): string | undefined {
  const id = message.raw.MsgId ?? message.raw.MsgID;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Turns parsed fields into a typed message. Throws MessageXmlError when there is no
 * `MsgType`; a type this server does not know becomes an UnknownMessage.
 */
export function toMessage(raw: RawFields): InboundMessage {
  const { MsgType, Event } = raw;
  if (typeof MsgType !== 'string' || MsgType === '') {
    throw new MessageXmlError('the message has no MsgType');
  }
  const event = typeof Event === 'string' ? Event : undefined;
  // Copied with Object.assign and then written, not spread: V8 builds a spread that adds
  // a property (`{ ...raw, raw }`) on a slow path that also leaves garbage in the old
  // generation. Measured: 380 against 55 ns a message, and a major GC every 100,000
  // messages against one every million.
  const message: Record<string, RawValue | true> = Object.assign({} as Record<string, RawValue | true>, raw);
  message.ToUserName = text(raw.ToUserName);
  message.FromUserName = text(raw.FromUserName);
  message.CreateTime = text(raw.CreateTime);
  message.MsgType = MsgType;
  message.raw = raw;
  const key = messageKey(MsgType, event);
  const required = fieldsFor(FIELDS, key);
  let known = required !== undefined && (MsgType !== 'event' || event !== undefined);
  for (const field of required ?? []) {
    const value = raw[field];
    if (value === undefined) message[field] = '';
    else if (typeof value !== 'string') known = false;
  }
  for (const field of fieldsFor(OPTIONAL, key) ?? []) {
    const value = raw[field];
    if (value !== undefined && typeof value !== 'string') known = false;
  }
  if (known && event !== undefined) known = normalizeEventParts(event, message);
  // `unknown` marks unknown messages; an incoming element of that name stays in `raw` only.
  delete message.unknown;
  if (!known) {
    message.unknown = true;
    return message as unknown as UnknownMessage;
  }
  return message as unknown as WeChatMessage;
}

function text(value: RawValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** Checks an event's nested parts and gives them their typed shape; false if malformed. */
function normalizeEventParts(event: string, message: Record<string, RawValue | true>): boolean {
  switch (event) {
    case 'scancode_push':
    case 'scancode_waitmsg': {
      const info = message.ScanCodeInfo;
      if (!isFields(info)) return false;
      message.ScanCodeInfo = { ...info, ScanType: text(info.ScanType), ScanResult: text(info.ScanResult) };
      return true;
    }
    case 'pic_sysphoto':
    case 'pic_photo_or_album':
    case 'pic_weixin': {
      const info = message.SendPicsInfo;
      if (!isFields(info)) return false;
      const list = isFields(info.PicList) ? info.PicList.item : undefined;
      const items = Array.isArray(list) ? list.filter(isFields) : [];
      message.SendPicsInfo = {
        ...info,
        Count: text(info.Count),
        PicList: { item: items.map((item) => ({ ...item, PicMd5Sum: text(item.PicMd5Sum) })) },
      };
      return true;
    }
    case 'subscribe_msg_popup_event':
    case 'subscribe_msg_change_event':
    case 'subscribe_msg_sent_event':
      for (const part of ['SubscribeMsgPopupEvent', 'SubscribeMsgChangeEvent', 'SubscribeMsgSentEvent']) {
        const value = message[part];
        if (value === undefined) continue;
        const list = isFields(value) ? value.List : undefined;
        message[part] = { List: Array.isArray(list) ? list.filter(isFields) : [] };
      }
      return true;
    default:
      return true;
  }
}

function isFields(value: RawValue | true | undefined): value is RawFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
