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

export type Reply = TextReply | ImageReply | VoiceReply | VideoReply | MusicReply | NewsReply;
