/**
 * The openids of one of WeChat's pages of users (`{ data: { openid: [...] } }`, as
 * `user/get`, `user/tag/get` and `tags/members/getblacklist` answer): the strings of
 * `data.openid`, none when WeChat left `data` out (past the last page).
 */
export function openidsOf(answer: Readonly<Record<string, unknown>>): string[] {
  const data = answer.data as { openid?: unknown } | undefined;
  return Array.isArray(data?.openid) ? data.openid.filter((openid): openid is string => typeof openid === 'string') : [];
}

/** Where the next page starts, as WeChat names it; empty when it gave none. */
export function nextOpenidOf(answer: Readonly<Record<string, unknown>>): string {
  return typeof answer.next_openid === 'string' ? answer.next_openid : '';
}
