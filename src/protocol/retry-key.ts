import type { IncomingMessage } from './message-types.js';

/**
 * What makes a delivery a retry of an earlier one: the same `ToUserName` + `MsgId`, or
 * for an event (which has no MsgId) the same `ToUserName` + `FromUserName` +
 * `CreateTime` + `Event` + `EventKey`.
 */
export function retryKeyOf(message: IncomingMessage): string {
  const { raw } = message;
  const text = (field: string): string => {
    const value = raw[field];
    return typeof value === 'string' ? value : '';
  };
  const msgId = text('MsgId');
  if (msgId !== '') return `${message.ToUserName}\u0000${msgId}`;
  return [message.ToUserName, message.FromUserName, message.CreateTime, text('Event'), text('EventKey')].join('\u0000');
}
