import type { Logger } from 'pino';
import type { Account } from './account.js';
import { DEFAULT_ACCOUNT, type AccountSettings } from './account-settings.js';

/**
 * The accounts a server serves, found by name or AppID. A live edit replaces the whole
 * set in one assignment: a request sees one version, and a message already being
 * answered keeps the account object it started with.
 */
export interface AccountSet {
  /** The account with this name, or else with this AppID. */
  find(nameOrAppId: string): Account | undefined;
  /** The account of a request that names none: the only one, else the one named `default`. */
  fallback(): Account | undefined;
  /** Every account, in the file's order. */
  all(): readonly Account[];
  /**
   * Makes the accounts `settings` lists the set: an account whose settings did not change
   * is kept as it is, a new or changed one is built, a removed one closed. When one
   * cannot be built (its replies file does not validate), nothing changes and the
   * ConfigError is thrown.
   */
  update(settings: readonly AccountSettings[]): void;
  close(): Promise<void>;
}

interface Version {
  readonly accounts: readonly Account[];
  readonly byKey: ReadonlyMap<string, Account>;
  readonly fallback: Account | undefined;
}

function versionOf(accounts: readonly Account[]): Version {
  const byKey = new Map<string, Account>();
  // AppIDs first, then names: a name is never another account's AppID (the file is checked).
  for (const account of accounts) if (account.appId !== undefined) byKey.set(account.appId, account);
  for (const account of accounts) byKey.set(account.name, account);
  const fallback = accounts.length === 1 ? accounts[0] : accounts.find((account) => account.name === DEFAULT_ACCOUNT);
  return { accounts, byKey, fallback };
}

/** Two settings are the same account when every field is equal (key lists included). */
function sameSettings(a: AccountSettings, b: AccountSettings): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** How long a replaced account stays open for the messages it is still answering. */
const RETIRE_AFTER_MS = 30_000;

export function createAccountSet(
  settings: readonly AccountSettings[],
  make: (settings: AccountSettings) => Account,
  logger: Logger,
  onRetired: (account: Account) => void = () => undefined,
  /** What the log line of an applied update says. */
  applied = 'accounts file applied',
): AccountSet {
  const build = (list: readonly AccountSettings[], keep: ReadonlyMap<string, Account>): { next: Account[]; made: Account[] } => {
    const next: Account[] = [];
    const made: Account[] = [];
    try {
      for (const entry of list) {
        const kept = keep.get(entry.name);
        if (kept !== undefined && sameSettings(kept.settings, entry)) {
          next.push(kept);
          continue;
        }
        const account = make(entry);
        made.push(account);
        next.push(account);
      }
    } catch (error) {
      for (const account of made) void account.close().catch(() => undefined);
      throw error;
    }
    return { next, made };
  };

  let version = versionOf(build(settings, new Map()).next);
  /** Accounts an edit replaced or removed, closed once their last messages are answered. */
  const retiring = new Map<NodeJS.Timeout, Account>();
  const retire = (account: Account): void => {
    const timer = setTimeout(() => {
      retiring.delete(timer);
      account
        .close()
        .catch((error: unknown) => logger.warn({ account: account.name, err: error }, 'a retired account did not close cleanly'))
        .finally(() => onRetired(account));
    }, RETIRE_AFTER_MS);
    timer.unref();
    retiring.set(timer, account);
  };

  return {
    find: (key) => version.byKey.get(key),
    fallback: () => version.fallback,
    all: () => version.accounts,
    update(list) {
      const before = new Map(version.accounts.map((account) => [account.name, account]));
      const { next, made } = build(list, before);
      version = versionOf(next);
      const kept = new Set(next);
      const gone = [...before.values()].filter((account) => !kept.has(account));
      for (const account of gone) retire(account);
      const added = made.filter((account) => !before.has(account.name)).map((account) => account.name);
      const changed = made.filter((account) => before.has(account.name)).map((account) => account.name);
      const removed = gone.filter((account) => !next.some((other) => other.name === account.name)).map((account) => account.name);
      logger.info({ added, changed, removed, accounts: next.length }, applied);
    },
    async close() {
      const retired = [...retiring.values()];
      for (const timer of retiring.keys()) clearTimeout(timer);
      retiring.clear();
      await Promise.all([...version.accounts, ...retired].map((account) => account.close()));
    },
  };
}
