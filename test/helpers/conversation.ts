import { createReplyRouter } from '../../src/replies/router.js';
import { freshMsgId, postToWebhook, readReply } from './wechat.js';

let nextCreateTime = 1_710_000_000;

/** A text message from `user` to the account (`gh_account` unless told), as WeChat pushes it. */
export function textFrom(user: string, content: string, msgId = freshMsgId(), account = 'gh_account'): string {
  return (
    `<xml><ToUserName><![CDATA[${account}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName>` +
    `<CreateTime>${nextCreateTime++}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content><![CDATA[${content}]]></Content><MsgId>${msgId}</MsgId></xml>`
  );
}

/** POSTs a message and answers the reply's Content, or `success`. */
export async function say(baseUrl: string, xml: string): Promise<string> {
  const response = await postToWebhook(baseUrl, xml);
  const body = await response.text();
  if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${body}`);
  return body === 'success' ? body : String(readReply(body).Content);
}

/** The README's order flow: a menu, then an order number, then the order. */
export type OrderFlow = { step: 'menu' } | { step: 'awaiting-order-number' };

export function orderFlowRouter() {
  return createReplyRouter<OrderFlow>().on('text', async (message, { session }) => {
    const state = await session.get();
    if (state?.step === 'awaiting-order-number') {
      await session.clear();
      return { type: 'text', content: `订单 ${message.Content}：已发货` };
    }
    if (state?.step === 'menu' && message.Content.trim() === '1') {
      await session.set({ step: 'awaiting-order-number' });
      return { type: 'text', content: '请输入订单号' };
    }
    await session.set({ step: 'menu' });
    return { type: 'text', content: '回复 1 查询订单' };
  });
}
