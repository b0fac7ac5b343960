import type { Reply } from './reply-types.js';

const REQUIRED: Readonly<Record<Reply['type'], readonly string[]>> = {
  text: ['content'],
  image: ['mediaId'],
  voice: ['mediaId'],
  video: ['mediaId'],
  music: ['thumbMediaId'],
  news: [],
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
  if (reply.type === 'news') {
    const articles = reply.articles;
    if (!Array.isArray(articles) || articles.length === 0) return 'a news reply needs at least one article';
    if (!articles.every((item) => typeof item === 'object' && item !== null && typeof (item as { title?: unknown }).title === 'string')) {
      return 'every news article needs a string title';
    }
  }
  return undefined;
}
