import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';
import { nextOpenidOf, openidsOf } from './openid-page.js';

// The account's blacklist (黑名单管理).
// https://developers.weixin.qq.com/doc/offiaccount/User_Management/Manage_blacklist.html

/** How many openids one `batchblacklist` or `batchunblacklist` takes. */
export const MAX_OPENIDS_PER_BLACKLISTING = 20;

/** One page of the blacklist; `openids` is empty past the last page. */
export interface BlacklistPage {
  readonly total: number;
  readonly count: number;
  readonly openids: string[];
  /** Where the next page starts; empty when WeChat gave none. */
  readonly next_openid: string;
}

/** One page of blacklisted users (up to 10000), from `beginOpenid` on (the first page without it). */
export async function getBlacklistPage(client: ApiClient, beginOpenid?: string): Promise<BlacklistPage> {
  const path = '/cgi-bin/tags/members/getblacklist';
  const answer = await client.call({ method: 'POST', path, body: { begin_openid: beginOpenid ?? '' } });
  const total = Number(answer.total);
  if (!Number.isFinite(total)) throw new WeChatApiError(-1, 'the answer has no total', path);
  const openids = openidsOf(answer);
  return { total, count: openids.length, openids, next_openid: nextOpenidOf(answer) };
}

/** Blacklists up to 20 followers. */
export async function blacklistUsers(client: ApiClient, openids: readonly string[]): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/tags/members/batchblacklist', body: { openid_list: openids } });
}

/** Takes up to 20 users off the blacklist. */
export async function unblacklistUsers(client: ApiClient, openids: readonly string[]): Promise<void> {
  await client.call({ method: 'POST', path: '/cgi-bin/tags/members/batchunblacklist', body: { openid_list: openids } });
}
