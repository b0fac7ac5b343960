/**
 * What a handler answers, as data. The HTTP layer turns it into WeChat's passive-reply
 * XML (or, past the deadline or the size limit, a customer-service message).
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Passive_user_reply_message.html
 */
export interface TextReply {
  readonly type: 'text';
  readonly content: string;
}
export interface ImageReply {
  readonly type: 'image';
  readonly mediaId: string;
}
export interface VoiceReply {
  readonly type: 'voice';
  readonly mediaId: string;
}
export interface VideoReply {
  readonly type: 'video';
  readonly mediaId: string;
  readonly title?: string;
  readonly description?: string;
}
export interface MusicReply {
  readonly type: 'music';
  readonly title?: string;
  readonly description?: string;
  readonly musicUrl?: string;
  readonly hqMusicUrl?: string;
  readonly thumbMediaId: string;
}
export interface NewsArticle {
  readonly title: string;
  readonly description?: string;
  readonly picUrl?: string;
  readonly url?: string;
}
export interface NewsReply {
  readonly type: 'news';
  /** WeChat shows at most 8 articles (1 since 2018 for most accounts). */
  readonly articles: readonly NewsArticle[];
}

/**
 * Hands the user's message over to the account's human agents (多客服): WeChat forwards
 * it, and the user's next messages while an agent keeps the session, to the
 * customer-service system instead of answering. WeChat asks that only a user's messages
 * be handed over, not events. It is a passive reply only: it cannot be sent later as a
 * customer-service message.
 * https://developers.weixin.qq.com/doc/offiaccount/Customer_Service/Forwarding_of_messages_to_service_center.html
 */
export interface TransferCustomerServiceReply {
  readonly type: 'transfer_customer_service';
  /** The one agent to hand over to (`test1@test`); none, or empty, for any. */
  readonly kfAccount?: string;
}

export type Reply = TextReply | ImageReply | VoiceReply | VideoReply | MusicReply | NewsReply | TransferCustomerServiceReply;

/** A reply that can also go out as a customer-service message (客服消息): every kind but a hand-over. */
export type CustomMessageReply = Exclude<Reply, TransferCustomerServiceReply>;
