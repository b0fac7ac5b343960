import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';
import { mediaForm, UPLOAD_TIMEOUT_MS, type MediaFile } from './media.js';

// The images of an article: those in its HTML, and its cover.
// https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/Adding_Permanent_Assets.html

/** An image in an article's HTML must be smaller than this, and a jpg or png. */
export const ARTICLE_IMAGE_MAX_BYTES = 1024 * 1024;
/** A permanent image (a cover) may be this large at most. */
export const COVER_IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/**
 * Uploads an image for an article's HTML; answers its URL. WeChat drops from an
 * article any image whose URL it did not give, and these images count against no
 * material quota.
 */
export async function uploadArticleImage(client: ApiClient, file: MediaFile): Promise<string> {
  const path = '/cgi-bin/media/uploadimg';
  const answer = await client.call({ method: 'POST', path, body: mediaForm(file), timeoutMs: UPLOAD_TIMEOUT_MS });
  if (typeof answer.url !== 'string' || answer.url === '') throw new WeChatApiError(-1, 'the answer has no url', path);
  return answer.url;
}

/**
 * Adds a permanent image material (永久素材), which a draft's cover (`thumb_media_id`)
 * must be. Answers its media_id, and the URL WeChat serves it at.
 */
export async function addPermanentImage(client: ApiClient, file: MediaFile): Promise<{ readonly media_id: string; readonly url?: string }> {
  const path = '/cgi-bin/material/add_material';
  const answer = await client.call({ method: 'POST', path, query: { type: 'image' }, body: mediaForm(file), timeoutMs: UPLOAD_TIMEOUT_MS });
  if (typeof answer.media_id !== 'string' || answer.media_id === '') throw new WeChatApiError(-1, 'the answer has no media_id', path);
  return typeof answer.url === 'string' && answer.url !== ''
    ? { media_id: answer.media_id, url: answer.url }
    : { media_id: answer.media_id };
}
