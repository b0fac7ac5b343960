import type { InboundMessage } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import type { HandlerResult } from '../replies/router.js';
import { compileKeywords } from './match-keywords.js';
import { prepareReply, type MediaIds, type PreparedReply } from './media-files.js';
import type { FileReply, RepliesFileData } from './schema.js';

/** A validated replies file, ready to answer; immutable, so a reload swaps it whole. */
export interface CompiledReplies {
  /**
   * The file's answer to a message, or undefined to leave it to the default rules. A
   * reply naming a file waits for its media id from `media`; without one, or when the
   * upload fails (logged by `media`), it answers null: WeChat gets `success`.
   */
  replyTo(message: InboundMessage, media?: MediaIds): HandlerResult | Promise<HandlerResult>;
  /** `12 keyword rules, 3 scenes, 4 menu keys` */
  readonly summary: string;
  /** The local files its replies upload (absolute paths, each once): they need the AppID and AppSecret. */
  readonly mediaFiles: readonly string[];
}

const SCENE_PREFIX = 'qrscene_';

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

export function compileReplies(data: RepliesFileData): CompiledReplies {
  /** The replies still waiting for a file's media id, by identity (the matcher hands them back as they are). */
  const needsMedia = new Map<Reply, NonNullable<PreparedReply['media']>>();
  function toReply(reply: FileReply): Reply | null {
    if (reply === null || typeof reply === 'string') return reply === null ? null : { type: 'text', content: reply };
    const prepared = prepareReply(reply);
    if (prepared.media !== undefined) needsMedia.set(prepared.reply, prepared.media);
    return prepared.reply;
  }
  /** A name → reply table. */
  const table = (entries: Record<string, FileReply> | undefined): ReadonlyMap<string, Reply | null> =>
    new Map(Object.entries(entries ?? {}).map(([name, reply]) => [name, toReply(reply)]));
  function withMedia(found: HandlerResult, media: MediaIds | undefined): HandlerResult | Promise<HandlerResult> {
    const wanted = found === null || found === undefined ? undefined : needsMedia.get(found);
    if (wanted === undefined) return found;
    if (media === undefined) return null;
    return media.mediaIdOf(wanted.ref).then(wanted.fill, () => null);
  }

  const rules = data.keywords ?? [];
  const keywords = compileKeywords(rules, (index) => toReply(rules[index]!.reply));
  const scenes = table(data.scenes);
  const clicks = table(data.click);
  // `undefined`: the key is absent and the default rules answer; `null`: no reply.
  const subscribe = data.subscribe === undefined ? undefined : toReply(data.subscribe);
  const otherwise = data.message === undefined ? undefined : toReply(data.message);

  function find(message: InboundMessage): HandlerResult {
    if (message.MsgType !== 'event') {
      if (message.MsgType === 'text' && !('unknown' in message)) {
        const found = keywords.match(message.Content);
        if (found !== undefined) return found;
      }
      return otherwise;
    }
    if ('unknown' in message) return undefined;
    switch (message.Event) {
      case 'subscribe': {
        const key = message.EventKey ?? '';
        const scene = key.startsWith(SCENE_PREFIX) ? scenes.get(key.slice(SCENE_PREFIX.length)) : undefined;
        return scene !== undefined ? scene : subscribe;
      }
      case 'SCAN':
        return scenes.get(message.EventKey);
      case 'CLICK':
        return clicks.get(message.EventKey);
      default:
        return undefined;
    }
  }

  const replyTo = (message: InboundMessage, media?: MediaIds) => withMedia(find(message), media);

  const summary = [
    plural(rules.length, 'keyword rule', 'keyword rules'),
    plural(scenes.size, 'scene', 'scenes'),
    plural(clicks.size, 'menu key', 'menu keys'),
  ].join(', ');
  const mediaFiles = Object.freeze([...new Set([...needsMedia.values()].map((media) => media.ref.path))]);
  return Object.freeze({ replyTo, summary, mediaFiles });
}
