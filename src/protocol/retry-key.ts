import { hash } from 'node:crypto';
import type { InboundMessage } from './message-types.js';

/**
 * What makes a delivery a retry of an earlier one: the same `ToUserName` + `MsgId`, or
 * for an event (which has no MsgId) the same `ToUserName` + `FromUserName` +
 * `CreateTime` + `Event` + `EventKey`. The key is a SHA-1 digest: short, and holding
 * no slice of the request body (which a stored key would otherwise keep alive).
 */
export function retryKeyOf(message: InboundMessage): string {
  const { raw } = message;
  const text = (field: string): string => {
    const value = raw[field];
    return typeof value === 'string' ? value : '';
  };
  const msgId = text('MsgId');
  const parts =
    msgId !== ''
      ? [message.ToUserName, msgId]
      : [message.ToUserName, message.FromUserName, message.CreateTime, text('Event'), text('EventKey')];
  return hash('sha1', parts.join('\u0000'), 'base64');
}
