import type { Reply } from './reply-types.js';

/**
 * The fields WeChat requires of each passive reply (news: its articles, and a hand-over's
 * optional kfAccount, checked apart).
 */
const REQUIRED: Readonly<Record<Reply['type'], readonly string[]>> = {
  text: ['content'],
  image: ['mediaId'],
  voice: ['mediaId'],
  video: ['mediaId'],
  music: ['thumbMediaId'],
  news: [],
  transfer_customer_service: [],
};

/**
 * Why a handler's answer is not a Reply, or undefined when it is one. Handlers written
 * in JavaScript (or cast in TypeScript) can return anything; WeChat must still get
 * well-formed XML.
 */
export function replyProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return `a reply is an object, not ${typeof value}`;
  const reply = value as Record<string, unknown>;
  const type = reply.type;
  const required = typeof type === 'string' && Object.hasOwn(REQUIRED, type) ? REQUIRED[type as Reply['type']] : undefined;
  if (required === undefined) return `unknown reply type ${JSON.stringify(reply.type)}`;
  for (const field of required) {
    if (typeof reply[field] !== 'string') return `a ${String(reply.type)} reply needs a string ${field}`;
  }
  if (reply.type === 'transfer_customer_service' && reply.kfAccount !== undefined && typeof reply.kfAccount !== 'string') {
    return 'a transfer_customer_service reply’s kfAccount, when given, is a string (name@account-id)';
  }
  if (reply.type === 'news') {
    const articles = reply.articles;
    if (!Array.isArray(articles) || articles.length === 0) return 'a news reply needs at least one article';
    if (!articles.every((item) => typeof item === 'object' && item !== null && typeof (item as { title?: unknown }).title === 'string')) {
      return 'every news article needs a string title';
    }
  }
  return undefined;
}

/**
 * The required field a reply leaves empty (`mediaId`, `thumbMediaId`, `content`), or
 * undefined. Such a reply is well-formed XML but not a valid passive reply: WeChat shows
 * the user "该公众号暂时无法提供服务" instead. An image echoed from an image message that
 * carries no `MediaId` (the 2013 shape) is one.
 */
export function emptyRequiredField(reply: Reply): string | undefined {
  for (const field of REQUIRED[reply.type]) {
    if ((reply as unknown as Readonly<Record<string, unknown>>)[field] === '') return field;
  }
  return undefined;
}
