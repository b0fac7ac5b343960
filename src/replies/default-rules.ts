import type { InboundMessage } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';

const text = (content: string): Reply => ({ type: 'text', content });

/**
 * The contract's default reply rules: a switch on `MsgType`, then `Event`.
 * `null` means "no reply" (`success`).
 */
export function defaultReply(message: InboundMessage, fallbackReply: string): Reply | null {
  if ('unknown' in message) return message.MsgType === 'event' ? null : text(fallbackReply);
  switch (message.MsgType) {
    case 'text':
      return text(message.Content);
    case 'voice':
      return text(message.Recognition || '未识别');
    case 'image':
      return { type: 'image', mediaId: message.MediaId };
    case 'event':
      switch (message.Event) {
        case 'subscribe': {
          const scene = message.EventKey?.startsWith('qrscene_') ? message.EventKey.slice('qrscene_'.length) : '';
          return text(scene === '' ? '感谢您的关注!' : `感谢您的关注!场景值:${scene}`);
        }
        case 'SCAN':
          return text(`您扫描的场景值为:${message.EventKey}`);
        default:
          return null;
      }
    default:
      return text(fallbackReply);
  }
}
