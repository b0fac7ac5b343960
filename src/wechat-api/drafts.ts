import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';

// Drafts (草稿箱), the articles a free publish or a mass send goes out from.
// https://developers.weixin.qq.com/doc/offiaccount/Draft_Box/Add_draft.html

/** A title's length, in Unicode code points (WeChat: 32 字). */
export const TITLE_MAX = 32;
/** A digest's length, in code points (WeChat: 128 字). */
export const DIGEST_MAX = 128;
/** An author's length, in code points (WeChat: 16 字). */
export const AUTHOR_MAX = 16;
/** The content must have fewer characters (code points) than this (WeChat: 少于2万字符). */
export const CONTENT_MAX_CHARS = 20_000;
/** The content must be smaller than this, in bytes of UTF-8 (WeChat: 小于1M). */
export const CONTENT_MAX_BYTES = 1024 * 1024;
/** The "read the original" link may be this long at most, in bytes of UTF-8 (WeChat: 不超过1KB). */
export const SOURCE_URL_MAX_BYTES = 1024;

/** One article of a draft, in WeChat's field names (a draft holds up to 8). */
export interface DraftArticle {
  readonly title: string;
  readonly author?: string;
  /** The summary shown under the title in a share; WeChat takes the content's first words when there is none. */
  readonly digest?: string;
  /** The HTML: WeChat strips scripts, and its images must be URLs that `uploadimg` gave. */
  readonly content: string;
  /** The "read the original" link. */
  readonly content_source_url?: string;
  /** The cover: a permanent image material's media_id. */
  readonly thumb_media_id: string;
  readonly need_open_comment?: 0 | 1;
  readonly only_fans_can_comment?: 0 | 1;
}

/** Adds a draft of one or more articles; answers its media_id. */
export async function addDraft(client: ApiClient, articles: readonly DraftArticle[]): Promise<string> {
  const path = '/cgi-bin/draft/add';
  const answer = await client.call({ method: 'POST', path, body: { articles } });
  if (typeof answer.media_id !== 'string' || answer.media_id === '') throw new WeChatApiError(-1, 'the answer has no media_id', path);
  return answer.media_id;
}

/** Replaces the article at `index` (the first being 0) of a draft. */
export async function updateDraft(client: ApiClient, mediaId: string, index: number, article: DraftArticle): Promise<void> {
  // WeChat's field is `articles` though it takes the one article.
  await client.call({ method: 'POST', path: '/cgi-bin/draft/update', body: { media_id: mediaId, index, articles: article } });
}

/** Deletes a draft. */
export async function deleteDraft(client: ApiClient, mediaId: string): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/draft/delete', body: { media_id: mediaId } });
}
