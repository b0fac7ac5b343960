import type {
  InboundMessage,
  KnownMessageKey,
  MessagesByKey,
  RawFields,
  RawValue,
  UnknownMessage,
  WeChatMessage,
} from './message-types.js';
import { MessageXmlError } from '../core/errors.js';

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
  'event.location_select': ['EventKey'],
  'event.view_miniprogram': ['EventKey'],
  'event.TEMPLATESENDJOBFINISH': ['MsgID', 'Status'],
  'event.MASSSENDJOBFINISH': ['MsgID', 'Status'],
  'event.PUBLISHJOBFINISH': [],
  'event.kf_create_session': ['KfAccount'],
  'event.kf_close_session': ['KfAccount'],
  'event.kf_switch_session': ['FromKfAccount', 'ToKfAccount'],
  'event.subscribe_msg_popup_event': [],
  'event.subscribe_msg_change_event': [],
  'event.subscribe_msg_sent_event': [],
  'event.qualification_verify_success': ['ExpiredTime'],
  'event.naming_verify_success': ['ExpiredTime'],
  'event.annual_renew': ['ExpiredTime'],
  'event.verify_expired': ['ExpiredTime'],
  'event.qualification_verify_fail': ['FailTime', 'FailReason'],
  'event.naming_verify_fail': ['FailTime', 'FailReason'],
} satisfies { readonly [K in KnownMessageKey]: FieldsOf<K> };

// Fields a type may leave out but that, when present, must be text like the rest: an
// element in their place makes the message unknown too, not a crash in a rule.
const OPTIONAL = {
  voice: ['Recognition'],
  'event.subscribe': ['EventKey', 'Ticket'],
  'event.unsubscribe': ['EventKey'],
  'event.SCAN': ['Ticket'],
  'event.view_miniprogram': ['MenuId'],
  'event.MASSSENDJOBFINISH': ['TotalCount', 'FilterCount', 'SentCount', 'ErrorCount'],
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

/**
 * Checks an event's nested parts and gives them their typed shape; false if one it needs
 * is missing or is text. Within a part, a missing text field reads as '' and a missing
 * list as []; an item that is text rather than fields is dropped. Every other field an
 * element carries is kept as sent.
 */
function normalizeEventParts(event: string, message: Record<string, RawValue | true>): boolean {
  switch (event) {
    case 'scancode_push':
    case 'scancode_waitmsg': {
      const info = message.ScanCodeInfo;
      if (!isFields(info)) return false;
      message.ScanCodeInfo = withText(info, ['ScanType', 'ScanResult']);
      return true;
    }
    case 'pic_sysphoto':
    case 'pic_photo_or_album':
    case 'pic_weixin': {
      const info = message.SendPicsInfo;
      if (!isFields(info)) return false;
      message.SendPicsInfo = { ...withText(info, ['Count']), PicList: { item: itemsOf(info.PicList, 'item', ['PicMd5Sum']) } };
      return true;
    }
    case 'location_select': {
      const info = message.SendLocationInfo;
      if (!isFields(info)) return false;
      message.SendLocationInfo = withText(info, ['Location_X', 'Location_Y', 'Scale', 'Label', 'Poiname']);
      return true;
    }
    case 'PUBLISHJOBFINISH': {
      const info = message.PublishEventInfo;
      if (!isFields(info)) return false;
      const published: Record<string, RawValue> = withText(info, ['publish_id', 'publish_status']);
      if (info.article_id !== undefined) published.article_id = text(info.article_id);
      if (info.article_detail !== undefined) {
        const detail = info.article_detail;
        published.article_detail = {
          ...(isFields(detail) ? withText(detail, ['count']) : { count: '' }),
          item: itemsOf(detail, 'item', ['idx', 'article_url']),
        };
      }
      // One failed article arrives as one element, several as repeated ones.
      const failed = info.fail_idx;
      published.fail_idx =
        typeof failed === 'string' ? [failed] : Array.isArray(failed) ? failed.filter((idx) => typeof idx === 'string') : [];
      message.PublishEventInfo = published;
      return true;
    }
    case 'MASSSENDJOBFINISH': {
      const { CopyrightCheckResult: copyright, ArticleUrlResult: urls } = message;
      if ((copyright !== undefined && !isFields(copyright)) || (urls !== undefined && !isFields(urls))) return false;
      if (copyright !== undefined) {
        message.CopyrightCheckResult = {
          ...withText(copyright, ['Count', 'CheckState']),
          ResultList: { item: itemsOf(copyright.ResultList, 'item', COPYRIGHT_CHECK_FIELDS) },
        };
      }
      if (urls !== undefined) {
        message.ArticleUrlResult = {
          ...withText(urls, ['Count']),
          ResultList: { item: itemsOf(urls.ResultList, 'item', ['ArticleIdx', 'ArticleUrl']) },
        };
      }
      return true;
    }
    case 'subscribe_msg_popup_event':
      return subscribeMessageList(message, 'SubscribeMsgPopupEvent', ['TemplateId', 'SubscribeStatusString', 'PopupScene']);
    case 'subscribe_msg_change_event':
      return subscribeMessageList(message, 'SubscribeMsgChangeEvent', ['TemplateId', 'SubscribeStatusString']);
    case 'subscribe_msg_sent_event':
      return subscribeMessageList(message, 'SubscribeMsgSentEvent', ['TemplateId', 'MsgID', 'ErrorCode', 'ErrorStatus']);
    default:
      return true;
  }
}

const COPYRIGHT_CHECK_FIELDS = [
  'ArticleIdx',
  'UserDeclareState',
  'AuditState',
  'OriginalArticleUrl',
  'OriginalArticleType',
  'CanReprint',
  'NeedReplaceContent',
  'NeedShowReprintSource',
] as const;

/** A subscription message event's part: its `List` items (one or many), each with `fields`. */
function subscribeMessageList(message: Record<string, RawValue | true>, part: string, fields: readonly string[]): boolean {
  const value = message[part];
  if (!isFields(value)) return false;
  message[part] = { List: itemsOf(value, 'List', fields) };
  return true;
}

/** The elements named `list` in `parent` (always an array: parse-xml's list elements), each with `fields` as text. */
function itemsOf(parent: RawValue | undefined, list: string, fields: readonly string[]): RawFields[] {
  const items = isFields(parent) ? parent[list] : undefined;
  return Array.isArray(items) ? items.filter(isFields).map((item) => withText(item, fields)) : [];
}

/** A copy of `fields` in which each of `names` is text ('' when missing or not text). */
function withText(fields: RawFields, names: readonly string[]): Record<string, RawValue> {
  const copy: Record<string, RawValue> = Object.assign({} as Record<string, RawValue>, fields);
  for (const name of names) copy[name] = text(fields[name]);
  return copy;
}

function isFields(value: RawValue | true | undefined): value is RawFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
