import type { InboundMessage } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import type { HandlerResult } from '../replies/router.js';
import { compileKeywords } from './match-keywords.js';
import type { FileReply, RepliesFileData } from './schema.js';

/** A validated replies file, ready to answer; immutable, so a reload swaps it whole. */
export interface CompiledReplies {
  /** The file's answer to a message, or undefined to leave it to the default rules. */
  replyTo(message: InboundMessage): HandlerResult;
  /** `12 keyword rules, 3 scenes, 4 menu keys` */
  readonly summary: string;
}

const SCENE_PREFIX = 'qrscene_';

function toReply(reply: FileReply): Reply | null {
  return typeof reply === 'string' ? { type: 'text', content: reply } : reply;
}

/** A name → reply table; `Object.hasOwn` so that `toString` is not a menu key. */
function table(entries: Record<string, FileReply> | undefined): ReadonlyMap<string, Reply | null> {
  return new Map(Object.entries(entries ?? {}).map(([name, reply]) => [name, toReply(reply)]));
}

const plural = (count: number, one: string, many: string): string => `${count} ${count === 1 ? one : many}`;

export function compileReplies(data: RepliesFileData): CompiledReplies {
  const rules = data.keywords ?? [];
  const keywords = compileKeywords(rules, (index) => toReply(rules[index]!.reply));
  const scenes = table(data.scenes);
  const clicks = table(data.click);
  // `undefined`: the key is absent and the default rules answer; `null`: no reply.
  const subscribe = data.subscribe === undefined ? undefined : toReply(data.subscribe);
  const otherwise = data.message === undefined ? undefined : toReply(data.message);

  function replyTo(message: InboundMessage): HandlerResult {
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

  const summary = [
    plural(rules.length, 'keyword rule', 'keyword rules'),
    plural(scenes.size, 'scene', 'scenes'),
    plural(clicks.size, 'menu key', 'menu keys'),
  ].join(', ');
  return Object.freeze({ replyTo, summary });
}
