/**
 * WeChat's incoming messages and events, as a union discriminated on `MsgType` and
 * then `Event`. Field names are WeChat's own; every value is the exact string sent.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_standard_messages.html
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Receiving_event_pushes.html
 */

/** A parsed XML element: its text, its child elements, or a list of repeated ones. */
export type RawValue = string | RawFields | readonly RawValue[];
export interface RawFields {
  readonly [field: string]: RawValue | undefined;
}

interface Common {
  readonly ToUserName: string;
  readonly FromUserName: string;
  readonly CreateTime: string;
  /** Every field WeChat sent, including those this type does not name. */
  readonly raw: RawFields;
}

interface StandardMessage extends Common {
  readonly MsgId: string;
  readonly MsgDataId?: string;
  readonly Idx?: string;
}

export interface TextMessage extends StandardMessage {
  readonly MsgType: 'text';
  readonly Content: string;
  readonly bizmsgmenuid?: string;
}
export interface ImageMessage extends StandardMessage {
  readonly MsgType: 'image';
  readonly PicUrl: string;
  readonly MediaId: string;
}
export interface VoiceMessage extends StandardMessage {
  readonly MsgType: 'voice';
  readonly MediaId: string;
  readonly Format: string;
  /** Speech recognition result, present only when the account has it switched on. */
  readonly Recognition?: string;
}
export interface VideoMessage extends StandardMessage {
  readonly MsgType: 'video';
  readonly MediaId: string;
  readonly ThumbMediaId: string;
}
export interface ShortVideoMessage extends StandardMessage {
  readonly MsgType: 'shortvideo';
  readonly MediaId: string;
  readonly ThumbMediaId: string;
}
export interface LocationMessage extends StandardMessage {
  readonly MsgType: 'location';
  readonly Location_X: string;
  readonly Location_Y: string;
  readonly Scale: string;
  readonly Label: string;
}
export interface LinkMessage extends StandardMessage {
  readonly MsgType: 'link';
  readonly Title: string;
  readonly Description: string;
  readonly Url: string;
}
export interface FileMessage extends StandardMessage {
  readonly MsgType: 'file';
  readonly Title: string;
  readonly Description: string;
  readonly FileKey: string;
  readonly FileMd5: string;
  readonly FileTotalLen: string;
}

interface EventBase extends Common {
  readonly MsgType: 'event';
}
export interface SubscribeEvent extends EventBase {
  readonly Event: 'subscribe';
  /** `qrscene_<scene>` when the user subscribed by scanning a parametric QR code. */
  readonly EventKey?: string;
  readonly Ticket?: string;
}
export interface UnsubscribeEvent extends EventBase {
  readonly Event: 'unsubscribe';
  readonly EventKey?: string;
}
export interface ScanEvent extends EventBase {
  readonly Event: 'SCAN';
  readonly EventKey: string;
  readonly Ticket?: string;
}
export interface LocationEvent extends EventBase {
  readonly Event: 'LOCATION';
  readonly Latitude: string;
  readonly Longitude: string;
  readonly Precision: string;
}
export interface ClickEvent extends EventBase {
  readonly Event: 'CLICK';
  readonly EventKey: string;
}
export interface ViewEvent extends EventBase {
  readonly Event: 'VIEW';
  readonly EventKey: string;
  readonly MenuId?: string;
}
export interface ScanCodeEvent extends EventBase {
  readonly Event: 'scancode_push' | 'scancode_waitmsg';
  readonly EventKey: string;
  readonly ScanCodeInfo: { readonly ScanType: string; readonly ScanResult: string };
}
export interface SendPicsEvent extends EventBase {
  readonly Event: 'pic_sysphoto' | 'pic_photo_or_album' | 'pic_weixin';
  readonly EventKey: string;
  readonly SendPicsInfo: {
    readonly Count: string;
    readonly PicList: { readonly item: readonly { readonly PicMd5Sum: string }[] };
  };
}
export interface TemplateSendJobFinishEvent extends EventBase {
  readonly Event: 'TEMPLATESENDJOBFINISH';
  /** Spelled `MsgID` by WeChat in this event. */
  readonly MsgID: string;
  readonly Status: string;
}
export interface MassSendJobFinishEvent extends EventBase {
  readonly Event: 'MASSSENDJOBFINISH';
  readonly MsgID: string;
  readonly Status: string;
  readonly TotalCount?: string;
  readonly FilterCount?: string;
  readonly SentCount?: string;
  readonly ErrorCount?: string;
}
export interface SubscribeMessageEvent extends EventBase {
  readonly Event: 'subscribe_msg_popup_event' | 'subscribe_msg_change_event' | 'subscribe_msg_sent_event';
  readonly SubscribeMsgPopupEvent?: { readonly List: readonly RawFields[] };
  readonly SubscribeMsgChangeEvent?: { readonly List: readonly RawFields[] };
  readonly SubscribeMsgSentEvent?: { readonly List: readonly RawFields[] };
}

export type StandardMessageUnion =
  TextMessage | ImageMessage | VoiceMessage | VideoMessage | ShortVideoMessage | LocationMessage | LinkMessage | FileMessage;

export type EventMessage =
  | SubscribeEvent
  | UnsubscribeEvent
  | ScanEvent
  | LocationEvent
  | ClickEvent
  | ViewEvent
  | ScanCodeEvent
  | SendPicsEvent
  | TemplateSendJobFinishEvent
  | MassSendJobFinishEvent
  | SubscribeMessageEvent;

/** Every message and event this server knows by type. Switch on `MsgType`, then `Event`. */
export type WeChatMessage = StandardMessageUnion | EventMessage;

/**
 * A message or event of a type this server does not know (or a known type missing a
 * field it needs). Its `MsgType` and `Event` are the strings WeChat sent; `raw` holds
 * every field. It sits outside `WeChatMessage` so that switching on `MsgType` narrows.
 */
export interface UnknownMessage extends Common {
  readonly unknown: true;
  readonly MsgType: string;
  readonly Event?: string;
  readonly MsgId?: string;
}

/**
 * The routing key of each known type: its `MsgType`, or `event.<Event>` for an event
 * (`'text'`, `'event.subscribe'`). Derived from the union above, which is the one list
 * of message kinds: adding an interface to it adds its key here, and the compiler then
 * asks for its fields in to-message.ts.
 */
export type KnownMessageKey = KeyOfMessage<WeChatMessage>;
type KeyOfMessage<M> = M extends { readonly MsgType: 'event'; readonly Event: infer E extends string }
  ? `event.${E}`
  : M extends { readonly MsgType: infer T extends string }
    ? T
    : never;

/** The message a handler registered under each key receives. */
export type MessagesByKey = { readonly [K in KnownMessageKey]: MessageOfKey<K> } & {
  /** Every message or event whose type this server does not know. */
  readonly unknown: UnknownMessage;
};
type MessageOfKey<K> = K extends `event.${infer E}`
  ? EventMessage extends infer M
    ? M extends { readonly Event: infer Events }
      ? E extends Events
        ? M
        : never
      : never
    : never
  : Extract<StandardMessageUnion, { readonly MsgType: K }>;
export type MessageKey = keyof MessagesByKey;

/** What the parser hands to the reply router. */
export type InboundMessage = WeChatMessage | UnknownMessage;

/** True when the message's type is one of `WeChatMessage`'s. */
export function isKnownMessage(message: InboundMessage): message is WeChatMessage {
  return !('unknown' in message);
}
