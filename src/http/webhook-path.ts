import type { AccountSet } from '../accounts/account-set.js';
import type { Account } from '../accounts/account.js';

/**
 * The account a webhook path is for: `WECHAT_PATH` itself is the only account, or the
 * one named `default`; `WECHAT_PATH/<name>` and `WECHAT_PATH/<appid>` are that account.
 * Undefined when the path names none (404), and `null` when it is not the webhook's.
 */
export function webhookAccount(accounts: AccountSet, wechatPath: string, path: string): Account | undefined | null {
  if (path === wechatPath) return accounts.fallback();
  // WECHAT_PATH may end in '/' (or be '/'): the account's name follows it directly then.
  const prefix = wechatPath.endsWith('/') ? wechatPath.length : wechatPath.length + 1;
  if (path.length <= prefix || !path.startsWith(wechatPath) || (prefix > wechatPath.length && path.charCodeAt(wechatPath.length) !== 47)) {
    return null;
  }
  const name = path.slice(prefix);
  return name.includes('/') ? null : accounts.find(name);
}

/**
 * The account of a webhook path as Express matches routes, for the app's Express side:
 * any case and a trailing slash (`/WeChat/`) are the same path; an account's name is exact.
 */
export function webhookAccountLoosely(accounts: AccountSet, wechatPath: string, path: string): Account | undefined | null {
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  const head = trimmed.slice(0, wechatPath.length);
  if (head.toLowerCase() !== wechatPath.toLowerCase()) return null;
  return webhookAccount(accounts, wechatPath, wechatPath + trimmed.slice(wechatPath.length));
}
