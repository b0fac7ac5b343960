import type { CustomMessageReply, Reply } from '../protocol/reply-types.js';
import { TEXT_LIMIT_BYTES } from '../protocol/reply-limits.js';
import type { ApiClient } from './client.js';

/**
 * A long text goes out in at most this many pieces (10 KiB); the rest is dropped. A
 * reply is often built from the user's own text: one forged message must not fan out
 * into a hundred customer-service calls against the account's daily quota.
 */
export const MAX_TEXT_PIECES = 5;

/**
 * Cuts `text` into pieces of at most `limit` UTF-8 bytes, between code points, so that
 * joining the pieces gives the text back exactly.
 */
export function splitText(text: string, limit = TEXT_LIMIT_BYTES): string[] {
  const pieces: string[] = [];
  let piece = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > limit && piece !== '') {
      pieces.push(piece);
      piece = '';
      bytes = 0;
    }
    piece += char;
    bytes += size;
  }
  if (piece !== '' || pieces.length === 0) pieces.push(piece);
  return pieces;
}

/**
 * The customer-service message body for a reply, in WeChat's JSON shape. A hand-over
 * (`transfer_customer_service`) has none: it is a passive reply only.
 */
export function customMessageBody(toUser: string, reply: CustomMessageReply): Record<string, unknown> {
  const base = { touser: toUser, msgtype: reply.type };
  switch (reply.type) {
    case 'text':
      return { ...base, text: { content: reply.content } };
    case 'image':
      return { ...base, image: { media_id: reply.mediaId } };
    case 'voice':
      return { ...base, voice: { media_id: reply.mediaId } };
    case 'video':
      return { ...base, video: { media_id: reply.mediaId, title: reply.title ?? '', description: reply.description ?? '' } };
    case 'music':
      return {
        ...base,
        music: {
          title: reply.title ?? '',
          description: reply.description ?? '',
          musicurl: reply.musicUrl ?? '',
          hqmusicurl: reply.hqMusicUrl ?? '',
          thumb_media_id: reply.thumbMediaId,
        },
      };
    case 'news':
      return {
        ...base,
        news: {
          articles: reply.articles.map((article) => ({
            title: article.title,
            description: article.description ?? '',
            url: article.url ?? '',
            picurl: article.picUrl ?? '',
          })),
        },
      };
    default:
      // Only a caller outside the types (JavaScript, a cast) gets here: a hand-over, or no reply at all.
      throw new TypeError(`a ${String((reply as Reply).type)} reply cannot be sent as a customer-service message`);
  }
}

/**
 * Sends a reply to a user through the customer-service API (客服消息), which works
 * within 48 hours of the user's last message. A text longer than 2048 bytes goes out
 * in pieces, in order, MAX_TEXT_PIECES at most. A hand-over cannot be sent: a
 * TypeError, before WeChat is called. https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Service_Center_messages.html
 */
export async function sendCustomMessage(
  client: ApiClient,
  toUser: string,
  reply: CustomMessageReply,
): Promise<{ sent: number; dropped: number }> {
  const pieces = reply.type === 'text' ? splitText(reply.content) : [];
  const replies: CustomMessageReply[] =
    reply.type === 'text' ? pieces.slice(0, MAX_TEXT_PIECES).map((content) => ({ type: 'text', content })) : [reply];
  for (const part of replies) {
    await client.call({ method: 'POST', path: '/cgi-bin/message/custom/send', body: customMessageBody(toUser, part) });
  }
  return { sent: replies.length, dropped: Math.max(0, pieces.length - MAX_TEXT_PIECES) };
}
