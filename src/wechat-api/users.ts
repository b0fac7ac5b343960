import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';
import { nextOpenidOf, openidsOf } from './openid-page.js';

/**
 * A follower's remark (备注名), in bytes of UTF-8: WeChat's documentation says under 30
 * bytes, and WeChat refuses a longer one (errcode 40092) — 10 Chinese characters, not 30.
 */
export const REMARK_MAX_BYTES = 30;

/** A follower's profile as `/cgi-bin/user/info` answers it (`subscribe: 0`: not following). */
export interface UserInfo {
  readonly subscribe: 0 | 1;
  readonly openid: string;
  readonly language?: string;
  readonly subscribe_time?: number;
  readonly unionid?: string;
  readonly remark?: string;
  readonly groupid?: number;
  readonly tagid_list?: readonly number[];
  readonly subscribe_scene?: string;
  readonly qr_scene?: number;
  readonly qr_scene_str?: string;
  readonly [field: string]: unknown;
}

/** One page of followers; `openids` is empty past the last page. */
export interface FollowerPage {
  readonly total: number;
  readonly count: number;
  readonly openids: string[];
  /** Where the next page starts; empty when WeChat gave none. */
  readonly next_openid: string;
}

/**
 * A follower's profile. https://developers.weixin.qq.com/doc/offiaccount/User_Management/Get_users_basic_information_UnionID.html
 */
export async function getUser(client: ApiClient, openid: string, lang?: 'zh_CN' | 'zh_TW' | 'en'): Promise<UserInfo> {
  const body = await client.call({
    method: 'GET',
    path: '/cgi-bin/user/info',
    query: { openid, ...(lang === undefined ? {} : { lang }) },
  });
  const info: Record<string, unknown> = { ...body };
  delete info.errcode;
  delete info.errmsg;
  return info as UserInfo;
}

/**
 * One page of followers (up to 10000), from `next_openid` on (the first page without it).
 * https://developers.weixin.qq.com/doc/offiaccount/User_Management/Getting_a_User_List.html
 */
export async function getFollowerPage(client: ApiClient, nextOpenid?: string): Promise<FollowerPage> {
  const path = '/cgi-bin/user/get';
  const body = await client.call({ method: 'GET', path, query: nextOpenid ? { next_openid: nextOpenid } : {} });
  const openids = openidsOf(body);
  const total = Number(body.total);
  if (!Number.isFinite(total)) throw new WeChatApiError(-1, 'the answer has no total', path);
  return { total, count: openids.length, openids, next_openid: nextOpenidOf(body) };
}

/**
 * Sets a follower's remark (备注名).
 * https://developers.weixin.qq.com/doc/offiaccount/User_Management/Configuring_user_notes.html
 */
export async function updateRemark(client: ApiClient, openid: string, remark: string): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/user/info/updateremark', body: { openid, remark } });
}

/** Every follower's openid, fetched page by page as the iteration goes. */
export async function* listUsers(client: ApiClient): AsyncGenerator<string, void, undefined> {
  let next: string | undefined;
  let seen = 0;
  for (;;) {
    const page = await getFollowerPage(client, next);
    yield* page.openids;
    seen += page.count;
    // WeChat's last page still names a next_openid (the page after it is empty): stop at the total.
    if (page.count === 0 || seen >= page.total || page.next_openid === '' || page.next_openid === next) return;
    next = page.next_openid;
  }
}
