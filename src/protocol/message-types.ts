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
/** One article's originality check in a mass send's CopyrightCheckResult. */
export interface CopyrightCheckItem {
  /** The article's number in the send, the first being 1. */
  readonly ArticleIdx: string;
  readonly UserDeclareState: string;
  readonly AuditState: string;
  readonly OriginalArticleUrl: string;
  readonly OriginalArticleType: string;
  readonly CanReprint: string;
  readonly NeedReplaceContent: string;
  readonly NeedShowReprintSource: string;
}
export interface MassSendJobFinishEvent extends EventBase {
  readonly Event: 'MASSSENDJOBFINISH';
  readonly MsgID: string;
  /** `send success`, `send fail` or `err(<code>)`. */
  readonly Status: string;
  readonly TotalCount?: string;
  readonly FilterCount?: string;
  readonly SentCount?: string;
  readonly ErrorCount?: string;
  /** The originality check of the articles sent, when there were articles. */
  readonly CopyrightCheckResult?: {
    readonly Count: string;
    readonly ResultList: { readonly item: readonly CopyrightCheckItem[] };
    /** 1 not checked, 2 checked and sent, 3 checked and refused. */
    readonly CheckState: string;
  };
  /** The sent articles' permanent links. */
  readonly ArticleUrlResult?: {
    readonly Count: string;
    readonly ResultList: { readonly item: readonly { readonly ArticleIdx: string; readonly ArticleUrl: string }[] };
  };
}
export interface PublishJobFinishEvent extends EventBase {
  readonly Event: 'PUBLISHJOBFINISH';
  readonly PublishEventInfo: {
    readonly publish_id: string;
    /**
     * 0 published, 1 publishing, 2 originality check failed, 3 failed, 4 refused by the
     * platform's review, 5 every article since deleted by the user, 6 every article since
     * banned.
     */
    readonly publish_status: string;
    /** On success: the articles' id (for customer-service messages). */
    readonly article_id?: string;
    /** On success: each article's number (the first being 1) and permanent link. */
    readonly article_detail?: {
      readonly count: string;
      readonly item: readonly { readonly idx: string; readonly article_url: string }[];
    };
    /** On status 2 or 4: the numbers of the articles that failed, the first being 1; empty otherwise. */
    readonly fail_idx: readonly string[];
  };
}
/** A user chose a place with a `location_select` menu button. */
export interface LocationSelectEvent extends EventBase {
  readonly Event: 'location_select';
  readonly EventKey: string;
  readonly SendLocationInfo: {
    readonly Location_X: string;
    readonly Location_Y: string;
    readonly Scale: string;
    readonly Label: string;
    /** The point of interest's name in Moments; may be empty. */
    readonly Poiname: string;
  };
}
/** A user opened a mini program with a `miniprogram` menu button. */
export interface ViewMiniprogramEvent extends EventBase {
  readonly Event: 'view_miniprogram';
  /** The mini program page the button opens (its `pagepath`). */
  readonly EventKey: string;
  readonly MenuId?: string;
}
/** A customer-service agent took (`kf_create_session`) or closed a user's session. */
export interface KfSessionEvent extends EventBase {
  readonly Event: 'kf_create_session' | 'kf_close_session';
  readonly KfAccount: string;
}
/** A user's session passed from one customer-service agent to another. */
export interface KfSwitchSessionEvent extends EventBase {
  readonly Event: 'kf_switch_session';
  readonly FromKfAccount: string;
  readonly ToKfAccount: string;
}
export interface SubscribeMessagePopupEvent extends EventBase {
  readonly Event: 'subscribe_msg_popup_event';
  /** One item per template the user was asked about. */
  readonly SubscribeMsgPopupEvent: {
    readonly List: readonly {
      readonly TemplateId: string;
      /** `accept` or `reject`. */
      readonly SubscribeStatusString: string;
      /** 1 from a payment, 2 from an article, 0 otherwise. */
      readonly PopupScene: string;
    }[];
  };
}
export interface SubscribeMessageChangeEvent extends EventBase {
  readonly Event: 'subscribe_msg_change_event';
  readonly SubscribeMsgChangeEvent: {
    readonly List: readonly { readonly TemplateId: string; readonly SubscribeStatusString: string }[];
  };
}
export interface SubscribeMessageSentEvent extends EventBase {
  readonly Event: 'subscribe_msg_sent_event';
  readonly SubscribeMsgSentEvent: {
    readonly List: readonly {
      readonly TemplateId: string;
      readonly MsgID: string;
      /** 0 when the message was delivered. */
      readonly ErrorCode: string;
      /** `success`, `fail:user refuse to accept the msg`, `fail:system error`. */
      readonly ErrorStatus: string;
    }[];
  };
}
/** The subscription messages' three events. */
export type SubscribeMessageEvent = SubscribeMessagePopupEvent | SubscribeMessageChangeEvent | SubscribeMessageSentEvent;
/**
 * The account's verification succeeded (qualification or name), is due for its annual
 * renewal, or has expired: `ExpiredTime` is when it expires or expired (Unix seconds).
 */
export interface VerificationExpiryEvent extends EventBase {
  readonly Event: 'qualification_verify_success' | 'naming_verify_success' | 'annual_renew' | 'verify_expired';
  readonly ExpiredTime: string;
}
/** The account's qualification or name verification failed. */
export interface VerificationFailureEvent extends EventBase {
  readonly Event: 'qualification_verify_fail' | 'naming_verify_fail';
  /** Unix seconds. */
  readonly FailTime: string;
  readonly FailReason: string;
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
  | LocationSelectEvent
  | ViewMiniprogramEvent
  | TemplateSendJobFinishEvent
  | MassSendJobFinishEvent
  | PublishJobFinishEvent
  | KfSessionEvent
  | KfSwitchSessionEvent
  | SubscribeMessagePopupEvent
  | SubscribeMessageChangeEvent
  | SubscribeMessageSentEvent
  | VerificationExpiryEvent
  | VerificationFailureEvent;

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
