import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';
import { idText } from './id-text.js';

// Mass send (群发) of a draft's articles: to every follower, to a tag's, or to a list of
// openids. Each counts against the account's quota; WeChat pushes MASSSENDJOBFINISH when done.
// https://developers.weixin.qq.com/doc/offiaccount/Message_Management/Batch_Sends_and_Originality_Checks.html

/** How many openids one `mass/send` takes. */
export const MASS_BATCH_MAX = 10_000;

/** Who a mass send goes to: every follower, one tag's followers, or listed openids. */
export type MassFilter = { readonly is_to_all: true } | { readonly is_to_all: false; readonly tag_id: number };

export interface MassSendOptions {
  /** The draft whose articles go out. */
  readonly mediaId: string;
  /**
   * The caller's id for this send: WeChat refuses (45065) a second send with the same
   * one, so that a retry after a lost answer cannot send twice.
   */
  readonly clientMsgId: string;
  /** 1: send even when an article is judged a reprint; 0: stop the send then. */
  readonly sendIgnoreReprint: 0 | 1;
}

export interface MassSent {
  readonly msg_id: string;
  /** The articles' data id (for the statistics); WeChat gives it for articles only. */
  readonly msg_data_id?: string;
}

function massBody(options: MassSendOptions): Record<string, unknown> {
  return {
    mpnews: { media_id: options.mediaId },
    msgtype: 'mpnews',
    send_ignore_reprint: options.sendIgnoreReprint,
    clientmsgid: options.clientMsgId,
  };
}

/** The ids of a send WeChat accepted, as strings (WeChat gives numbers). */
function sentOf(answer: Record<string, unknown>, path: string): MassSent {
  const msgId = idText(answer.msg_id);
  if (msgId === undefined) throw new WeChatApiError(-1, 'the answer has no msg_id', path);
  const msgDataId = idText(answer.msg_data_id);
  return msgDataId === undefined ? { msg_id: msgId } : { msg_id: msgId, msg_data_id: msgDataId };
}

/** Sends a draft to every follower, or to one tag's followers. */
export async function massSendAll(client: ApiClient, filter: MassFilter, options: MassSendOptions): Promise<MassSent> {
  const path = '/cgi-bin/message/mass/sendall';
  // Built field by field so that tag_id goes as the number it is, never where is_to_all is true.
  const target = filter.is_to_all ? { is_to_all: true } : { is_to_all: false, tag_id: filter.tag_id };
  const answer = await client.call({ method: 'POST', path, body: { filter: target, ...massBody(options) } });
  return sentOf(answer, path);
}

/** Sends a draft to listed followers: 2 to 10,000 openids (MASS_BATCH_MAX). */
export async function massSendToOpenids(client: ApiClient, openids: readonly string[], options: MassSendOptions): Promise<MassSent> {
  const path = '/cgi-bin/message/mass/send';
  const answer = await client.call({ method: 'POST', path, body: { touser: openids, ...massBody(options) } });
  return sentOf(answer, path);
}

/** Shows a draft to one follower, as it would arrive; the draft stays, and no quota is spent. */
export async function massPreview(client: ApiClient, mediaId: string, touser: string): Promise<void> {
  await client.call({
    method: 'POST',
    path: '/cgi-bin/message/mass/preview',
    body: { touser, mpnews: { media_id: mediaId }, msgtype: 'mpnews' },
  });
}

/** Where a mass send stands: SEND_SUCCESS, SENDING, SEND_FAIL or DELETE. */
export async function massStatus(client: ApiClient, msgId: string): Promise<{ readonly msg_id: string; readonly msg_status: string }> {
  const path = '/cgi-bin/message/mass/get';
  const answer = await client.call({ method: 'POST', path, body: { msg_id: msgId } });
  if (typeof answer.msg_status !== 'string' || answer.msg_status === '') throw new WeChatApiError(-1, 'the answer has no msg_status', path);
  return { msg_id: idText(answer.msg_id) ?? msgId, msg_status: answer.msg_status };
}
