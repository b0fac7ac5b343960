import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';
import { idText } from './id-text.js';

// Free publish (发布能力): a draft published as articles with permanent links, sent to
// nobody. WeChat answers the submission at once and pushes PUBLISHJOBFINISH when done.
// https://developers.weixin.qq.com/doc/offiaccount/Publish/Publish.html

/** What each `publish_status` means. */
export const PUBLISH_STATUS_MEANING: Readonly<Record<number, string>> = {
  0: 'published',
  1: 'publishing',
  2: 'failed the originality check',
  3: 'failed',
  4: 'refused by the platform review',
  5: 'every article deleted by the user',
  6: 'every article banned by the platform',
};

/** Where a publish stands, as `freepublish/get` answers it. */
export interface PublishStatus {
  readonly publish_id: string;
  /** 0 published, 1 publishing, 2 originality check failed, 3 failed, 4 refused by review, 5 deleted by user, 6 banned. */
  readonly publish_status: number;
  /** Once published: the articles' id. */
  readonly article_id?: string;
  /** Once published: each article's permanent link, in the draft's order. */
  readonly article_urls: readonly string[];
  /** On status 2 or 4: the numbers of the articles that failed, the first being 1. */
  readonly fail_idx: readonly number[];
}

/**
 * Submits a draft for publishing; WeChat consumes the draft. Answers the publish's id,
 * which WeChat gives as a number, as a string.
 */
export async function submitPublish(
  client: ApiClient,
  mediaId: string,
): Promise<{ readonly publish_id: string; readonly msg_data_id?: string }> {
  const path = '/cgi-bin/freepublish/submit';
  const answer = await client.call({ method: 'POST', path, body: { media_id: mediaId } });
  const publishId = idText(answer.publish_id);
  if (publishId === undefined) throw new WeChatApiError(-1, 'the answer has no publish_id', path);
  const msgDataId = idText(answer.msg_data_id);
  return msgDataId === undefined ? { publish_id: publishId } : { publish_id: publishId, msg_data_id: msgDataId };
}

interface ArticleDetailItem {
  readonly idx: number;
  readonly article_url: string;
}

const isDetailItem = (value: unknown): value is ArticleDetailItem => {
  const item = value as { idx?: unknown; article_url?: unknown } | null;
  return typeof item === 'object' && item !== null && Number.isInteger(item.idx) && typeof item.article_url === 'string';
};

/** Where a publish stands. */
export async function getPublishStatus(client: ApiClient, publishId: string): Promise<PublishStatus> {
  const path = '/cgi-bin/freepublish/get';
  const answer = await client.call({ method: 'POST', path, body: { publish_id: publishId } });
  const status = answer.publish_status;
  if (typeof status !== 'number' || !Number.isInteger(status)) throw new WeChatApiError(-1, 'the answer has no publish_status', path);
  const detail = answer.article_detail as { item?: unknown } | null | undefined;
  const items = typeof detail === 'object' && detail !== null && Array.isArray(detail.item) ? detail.item.filter(isDetailItem) : [];
  const failed = Array.isArray(answer.fail_idx) ? answer.fail_idx.filter((idx): idx is number => Number.isInteger(idx)) : [];
  const articleId = typeof answer.article_id === 'string' && answer.article_id !== '' ? answer.article_id : undefined;
  return {
    publish_id: idText(answer.publish_id) ?? publishId,
    publish_status: status,
    ...(articleId === undefined ? {} : { article_id: articleId }),
    article_urls: [...items].sort((a, b) => a.idx - b.idx).map((item) => item.article_url),
    fail_idx: failed,
  };
}
