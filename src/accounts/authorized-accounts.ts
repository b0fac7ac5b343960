import type { Logger } from 'pino';
import type { ComponentConfig } from '../core/config.js';
import type { OpenPlatform } from '../open-platform/open-platform.js';
import { isReleaseCheckAccount } from '../open-platform/release-check.js';
import type { Account } from './account.js';
import { createAccountSet, type AccountSet } from './account-set.js';
import { authorisedAccountSettings, type AccountSettings } from './account-settings.js';

/** How often each process reads which accounts are authorised (another instance may have seen a change). */
export const AUTHORIZERS_SYNC_MS = 30_000;

export interface AuthorizedAccountsOptions {
  readonly platform: OpenPlatform;
  /** The platform's WECHAT_COMPONENT_*: every authorised account's token and key. */
  readonly component: ComponentConfig;
  /** JSSDK_DOMAINS: the domains of an account without an ACCOUNTS_FILE entry. */
  readonly jssdkDomains: readonly string[];
  /** Builds an account; `platform` is undefined for a release-check account that has not authorised. */
  readonly make: (settings: AccountSettings, platform: OpenPlatform | undefined) => Account;
  readonly logger: Logger;
  /** Called when an account is closed for good (its series leave /metrics). */
  readonly onRetired?: (account: Account) => void;
  readonly syncEveryMs?: number;
  /**
   * Whether to read the list at once (default true); false while the state cannot answer
   * yet (Redis connecting), and the caller calls `sync` when it can.
   */
  readonly syncAtStart?: boolean;
}

/**
 * The accounts that authorised the third-party platform, as accounts like the file's:
 * one `Account` each, named by its AppID. Which are authorised is the platform's state
 * (Redis or OPEN_STATE_FILE); each process reads it at start, every 30 s, at each
 * authorisation it sees, and when a message comes for an AppID it does not know yet.
 * WeChat's release-check accounts get an account of their own even unauthorised, for
 * the release check alone.
 */
export interface AuthorizedAccounts {
  /** The authorised account with this AppID, as this process knows them. */
  find(appId: string): Account | undefined;
  all(): readonly Account[];
  /**
   * The account the platform's messages for `appId` go to, as this process knows them:
   * the authorised account, else a release-check account; undefined when neither (then
   * `refresh` tells whether another instance saw it authorise).
   */
  messagesAccount(appId: string): Account | undefined;
  /** The authorised account `appId`, read from the platform's state when this process does not know it yet. */
  refresh(appId: string): Promise<Account | undefined>;
  /** ACCOUNTS_FILE's entries for authorised accounts (their replies and menu files, keys), by AppID. */
  setEntries(entries: readonly AccountSettings[]): void;
  /** Reads which accounts are authorised, and makes the set those. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

export function createAuthorizedAccounts(options: AuthorizedAccountsOptions): AuthorizedAccounts {
  const { platform, component, make, logger } = options;
  const set: AccountSet = createAccountSet(
    [],
    (settings) => make(settings, platform),
    logger,
    options.onRetired,
    'authorised accounts applied',
  );
  let appIds: readonly string[] = [];
  let entries = new Map<string, AccountSettings>();
  let applied = '[]';
  /** The release-check accounts that did not authorise: made at their first message. */
  const releaseChecks = new Map<string, Account>();

  /** Its ACCOUNTS_FILE entry (already the platform's settings), else the platform's with no files. */
  const settingsOf = (appId: string): AccountSettings =>
    entries.get(appId) ??
    authorisedAccountSettings(component, appId, {
      repliesFile: undefined,
      menuFile: undefined,
      jssdkDomains: options.jssdkDomains,
      apiKeys: [],
    });
  const apply = (): void => {
    const list = appIds.map(settingsOf);
    const json = JSON.stringify(list);
    if (json === applied) return;
    try {
      set.update(list);
      applied = json;
    } catch (error) {
      logger.error({ err: error }, 'the authorised accounts could not be applied: the previous ones stay in force');
    }
  };

  let syncing: Promise<void> | undefined;
  const sync = (): Promise<void> =>
    (syncing ??= platform.state
      .authorizers()
      .then((found) => {
        appIds = [...found].sort();
        apply();
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not read which accounts authorised the platform'))
      .finally(() => (syncing = undefined)));

  const timer = setInterval(() => void sync(), options.syncEveryMs ?? AUTHORIZERS_SYNC_MS);
  timer.unref();
  platform.onAuthorizationChange(() => void sync());
  if (options.syncAtStart ?? true) void sync();

  const refresh = async (appId: string): Promise<Account | undefined> => {
    const known = set.find(appId);
    if (known !== undefined) return known;
    if ((await platform.state.readAuthorizer(appId)) === undefined) return undefined;
    await sync();
    return set.find(appId);
  };

  return {
    find: (appId) => set.find(appId),
    all: () => set.all(),
    refresh,
    messagesAccount(appId) {
      const authorised = set.find(appId);
      if (authorised !== undefined || !isReleaseCheckAccount(appId)) return authorised;
      let account = releaseChecks.get(appId);
      if (account === undefined) releaseChecks.set(appId, (account = make(settingsOf(appId), undefined)));
      return account;
    },
    setEntries(list) {
      entries = new Map(list.map((settings) => [settings.appId ?? settings.name, settings]));
      apply();
    },
    sync,
    async close() {
      clearInterval(timer);
      await Promise.all([set.close(), ...[...releaseChecks.values()].map((account) => account.close())]);
    },
  };
}
