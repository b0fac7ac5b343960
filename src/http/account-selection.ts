import type { Request } from 'express';
import type { AccountSet } from '../accounts/account-set.js';
import type { Account } from '../accounts/account.js';
import { APP_ID_SPELLING } from '../accounts/account-settings.js';
import { AccountForbiddenError, InputError, UnknownAccountError } from '../core/errors.js';
import type { AccountOf } from './account-of.js';
import { callerAccountOf } from './admin-auth.js';
import { queryParam } from './query-param.js';

/** The header that names the account of an admin request, as `?account=` does. */
const ACCOUNT_HEADER = 'x-wechat-account';

/** The account a request names: `?account=<name|appid>`, else the X-WeChat-Account header. */
export function namedAccount(req: Request): string | undefined {
  const query = queryParam(req, 'account');
  if (query !== undefined && query !== '') return query;
  const header = req.headers[ACCOUNT_HEADER];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/**
 * The account of an admin request: the one it names (404 when none has that name or
 * AppID); without one, the account of the caller's key, else the only account or the
 * one named `default`, else 400 naming `account`. A key of one account gets 403 for another.
 */
export function selectAccount(accounts: AccountSet): AccountOf {
  return (req) => {
    const bound = req.res === undefined ? undefined : callerAccountOf(req.res);
    const named = namedAccount(req);
    let account: Account | undefined;
    if (named !== undefined) {
      account = accounts.find(named);
      if (account === undefined) throw new UnknownAccountError();
      if (bound !== undefined && account.name !== bound) throw new AccountForbiddenError();
      return account;
    }
    account = bound === undefined ? accounts.fallback() : accounts.find(bound);
    if (account !== undefined) return account;
    if (bound !== undefined) throw new UnknownAccountError();
    throw new InputError(
      'account',
      'account: this server serves several accounts: name one with ?account=<name> or the X-WeChat-Account header',
    );
  };
}

/**
 * Before the routes that select an account: an AppID named that this process does not
 * know yet may have authorised the platform on another instance (each reads the list
 * every 30 s): it is looked up in the platform's state first, so that `?account=<appid>`
 * works at once everywhere.
 */
export function findAuthorisedElsewhere(
  accounts: Pick<AccountSet, 'find'>,
  refresh: (appId: string) => Promise<unknown>,
): (req: Request, res: unknown, next: () => void) => void {
  return function authorisedElsewhere(req, _res, next) {
    const named = namedAccount(req);
    if (named === undefined || !APP_ID_SPELLING.test(named) || accounts.find(named) !== undefined) {
      next();
      return;
    }
    refresh(named).then(
      () => next(),
      () => next(),
    );
  };
}
