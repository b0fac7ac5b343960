import type { Request } from 'express';
import type { Account } from '../accounts/account.js';

/** Which account a request is for: the one of the server, or the one it names. Throws a coded error when it names none. */
export type AccountOf = (req: Request) => Account;

/**
 * `make`, once per account, kept as long as the account object lives (a QR code's
 * tickets, the OAuth cookies' keys): an account changed by a live edit starts afresh.
 */
export function perAccount<A extends object = Account, T = unknown>(make: (account: A) => T): (account: A) => T {
  const made = new WeakMap<A, T>();
  return (account) => {
    let value = made.get(account);
    if (value === undefined) made.set(account, (value = make(account)));
    return value;
  };
}
