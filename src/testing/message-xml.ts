import { randomBytes } from 'node:crypto';
import { buildMessageXml } from '../protocol/build-message.js';

/**
 * A message's fields as WeChat names them: `MsgType` and what that type carries
 * (`Content`, `Event`, `EventKey`…). Strings are written in CDATA, numbers bare.
 */
export type MessageFields = { readonly MsgType: string } & { readonly [field: string]: string | number | bigint };

/** Who sends a message, and when (Unix seconds), when the fields do not say. */
export interface MessageHeader {
  readonly account: string;
  readonly user: string;
  readonly createTime: number;
}

/**
 * A message as WeChat pushes it: `ToUserName`, `FromUserName`, `CreateTime`, `MsgType`,
 * then the other fields, each taken from `fields` when given there. A message that is
 * not an event gets a fresh 64-bit `MsgId` unless it has one, as WeChat's always do:
 * the server takes two messages with one `MsgId` for a delivery and its retry.
 */
export function messageXml(fields: MessageFields, header: MessageHeader): string {
  const { ToUserName = header.account, FromUserName = header.user, CreateTime = header.createTime, MsgType, ...rest } = fields;
  const message: Record<string, string | number | bigint> = { ToUserName, FromUserName, CreateTime, MsgType, ...rest };
  if (MsgType !== 'event' && !('MsgId' in rest)) message.MsgId = randomBytes(8).readBigUInt64BE() >> 1n;
  return buildMessageXml(message);
}
