import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';

/** One of the account's subscription-notice templates (订阅通知), as `newtmpl/gettemplate` lists it. */
export interface NoticeTemplate {
  readonly priTmplId: string;
  readonly title: string;
  /** The template's text, with a `{{key.DATA}}` placeholder for every value. */
  readonly content: string;
  readonly example?: string;
  /** 2: one-time (each accept allows one send), 3: long-term (until the user turns it off). */
  readonly type: number;
}

/** What a grant of a template allows: one send per accept, or sends until a reject. */
export type GrantKind = 'one-time' | 'long-term';

/** The grant kind of a template's `type` (3 is long-term; 2, and whatever WeChat adds, one-time: the kind that counts). */
export const grantKindOf = (type: number): GrantKind => (type === 3 ? 'long-term' : 'one-time');

/** A subscription notice in WeChat's own shape (`message/subscribe/bizsend`). */
export interface NoticeMessage {
  readonly touser: string;
  readonly template_id: string;
  readonly data: Readonly<Record<string, { readonly value: string }>>;
  /** The web page opened when the notice is tapped. */
  readonly page?: string;
  readonly miniprogram?: { readonly appid: string; readonly pagepath?: string };
}

/** A category of the public template library (`newtmpl/getcategory`). */
export interface NoticeCategory {
  readonly id: number;
  readonly name: string;
}

const TEMPLATES = '/wxaapi/newtmpl/gettemplate';

/**
 * The account's subscription-notice templates.
 * https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
 */
export async function getNoticeTemplates(client: ApiClient): Promise<NoticeTemplate[]> {
  const answer = await client.call({ method: 'GET', path: TEMPLATES });
  if (!Array.isArray(answer.data)) throw new WeChatApiError(-1, 'the answer has no data', TEMPLATES);
  return (answer.data as unknown[]).flatMap((item): NoticeTemplate[] => {
    if (typeof item !== 'object' || item === null) return [];
    const { priTmplId, title, content, example, type } = item as Record<string, unknown>;
    if (typeof priTmplId !== 'string' || typeof content !== 'string') return [];
    return [
      {
        priTmplId,
        title: typeof title === 'string' ? title : '',
        content,
        ...(typeof example === 'string' ? { example } : {}),
        type: typeof type === 'number' ? type : Number(type),
      },
    ];
  });
}

/** Adds a template from the public library: its `tid` and the keyword ids to keep, in order. Answers its id. */
export async function addNoticeTemplate(client: ApiClient, tid: string, kidList: readonly number[], sceneDesc: string): Promise<string> {
  const path = '/wxaapi/newtmpl/addtemplate';
  const answer = await client.call({ method: 'POST', path, body: { tid, kidList, sceneDesc } });
  if (typeof answer.priTmplId !== 'string') throw new WeChatApiError(-1, 'the answer has no priTmplId', path);
  return answer.priTmplId;
}

/** Deletes one of the account's templates. */
export async function deleteNoticeTemplate(client: ApiClient, priTmplId: string): Promise<void> {
  await client.call({ method: 'POST', path: '/wxaapi/newtmpl/deltemplate', body: { priTmplId } });
}

/** The categories of the public template library the account may take templates from. */
export async function getNoticeCategories(client: ApiClient): Promise<NoticeCategory[]> {
  const path = '/wxaapi/newtmpl/getcategory';
  const answer = await client.call({ method: 'GET', path });
  if (!Array.isArray(answer.data)) throw new WeChatApiError(-1, 'the answer has no data', path);
  return (answer.data as unknown[]).flatMap((item): NoticeCategory[] => {
    const { id, name } = (item ?? {}) as Record<string, unknown>;
    return typeof id === 'number' && typeof name === 'string' ? [{ id, name }] : [];
  });
}

/**
 * Sends a subscription notice. WeChat answers 43101 when the user has not accepted the
 * template (or turned it off), 47003 for data it refuses.
 */
export async function sendNotice(client: ApiClient, message: NoticeMessage): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/message/subscribe/bizsend', body: message });
}
