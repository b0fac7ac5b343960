import type { ApiClient } from './client.js';

/** A template message in WeChat's own shape. */
export interface TemplateMessage {
  readonly touser: string;
  readonly template_id: string;
  /** One entry per placeholder: `{ thing1: { value: '…' } }`. */
  readonly data: Readonly<Record<string, { readonly value: string }>>;
  /** The page opened when the message is tapped. */
  readonly url?: string;
  /** A mini program opened instead of `url` (when the user has it). */
  readonly miniprogram?: { readonly appid: string; readonly pagepath?: string };
  /** WeChat sends a message with the same id only once. */
  readonly client_msg_id?: string;
}

/**
 * Sends a template message (模板消息) and answers its `msgid`. WeChat checks the data
 * itself only coarsely (40037, 47003); `checkTemplateData` says what is wrong first.
 * https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Template_Message_Interface.html
 */
export async function sendTemplateMessage(client: ApiClient, message: TemplateMessage): Promise<{ msgid: number }> {
  const answer = await client.call({ method: 'POST', path: '/cgi-bin/message/template/send', body: message });
  return { msgid: Number(answer.msgid) };
}
