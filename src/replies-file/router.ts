import { createReplyRouter, type ReplyRouter } from '../replies/router.js';
import type { MediaIds } from './media-files.js';
import type { LiveReplies } from './watch.js';

/**
 * The code's handlers first, then the replies file; the default rules come after both.
 * `media` gives the media ids of the files the replies name.
 */
export function withRepliesFile(code: ReplyRouter, replies: LiveReplies, media?: MediaIds): ReplyRouter {
  return createReplyRouter()
    .use(function codeHandlers(message, context) {
      return code.route(message, context);
    })
    .use(function repliesFile(message) {
      return replies.replyTo(message, media);
    });
}
