import type { Logger } from 'pino';
import type { Config } from './core/config.js';
import type { Env } from './core/config-variables.js';
import { ConfigError } from './core/errors.js';
import { watchFileChanges, type WatchOptions } from './core/watch-file.js';
import { createAccount, type AccountOptions } from './accounts/account.js';
import { createAccountSet, type AccountSet } from './accounts/account-set.js';
import { DEFAULT_ACCOUNT, defaultAccountSettings, type AccountSettings } from './accounts/account-settings.js';
import { createAuthorizedAccounts, type AuthorizedAccounts } from './accounts/authorized-accounts.js';
import type { Account } from './accounts/account.js';
import { isReleaseCheckAccount, releaseCheckRouter } from './open-platform/release-check.js';
import { createReplyRouter } from './replies/router.js';
import { readAccountsFile, type AccountsFileContext } from './accounts/accounts-file.js';
import { createServerResources, type ServerResources } from './accounts/server-resources.js';
import { OpenPlatform } from './open-platform/open-platform.js';
import { openPlatformState, warnUnlessRedisKeepsState } from './redis/redis-open-platform-state.js';

export interface ServiceOptions extends AccountOptions {
  readonly logger?: Logger;
  /** The clock of the access token, the jsapi ticket, sessions and OAuth states, injectable for tests. */
  readonly now?: () => number;
  /**
   * The environment the accounts file's `${VAR}` are read from, at the start and at each
   * edit (default: `process.env`; `npm start` adds a fresh read of `.env`).
   */
  readonly env?: () => Env;
  /** How the accounts file is watched (tests shorten the poll). */
  readonly watch?: WatchOptions;
}

/** What the routes share: the server's resources and the accounts they serve. */
export interface Services {
  readonly server: ServerResources;
  /** Every account served: the configured ones, then those that authorised the platform. */
  readonly accounts: AccountSet;
  /** The third-party platform, when the four WECHAT_COMPONENT_* are set. */
  readonly openPlatform: OpenPlatform | undefined;
  /** The accounts that authorised the platform (also in `accounts`), with its messages' lookup. */
  readonly authorized: AuthorizedAccounts | undefined;
  /** Closes what the services opened: the file watch, each account, then the Redis connection. */
  shutdown(): Promise<void>;
}

/**
 * Builds the server's resources and its accounts: the `WECHAT_*` account named
 * `default`, or those of ACCOUNTS_FILE, which is then watched: an edit that validates
 * adds, changes or removes accounts; one that does not is logged and changes nothing.
 */
export function createServices(config: Config, options: ServiceOptions = {}): Services {
  const server = createServerResources(config, {
    logger: options.logger,
    now: options.now,
    // Several accounts (a file, or a platform's authorised ones): each series names its account.
    accountLabel: (config.accountsFile !== undefined || config.component !== undefined) && config.metricsAccountLabel === 'name',
  });
  const { logger } = server;
  const env = options.env ?? (() => process.env);
  const context = (): AccountsFileContext => ({
    env: env(),
    adminToken: config.adminToken,
    requireAes: config.requireAes,
    jssdkDomains: config.jssdkDomains,
    component: config.component,
  });
  const { accountsFile } = config;
  // A store passed in holds one account's state: several accounts would read each other's.
  if (accountsFile !== undefined) {
    const given = (['tokenStore', 'ticketStore', 'retryStore', 'usedStates'] as const).filter((name) => options[name] !== undefined);
    if (given.length > 0) {
      void server.close();
      throw new TypeError(`${given.join(', ')}: a store serves one account; with ACCOUNTS_FILE leave it out (each account gets its own)`);
    }
  }
  let openPlatform: OpenPlatform | undefined;
  let configured: AccountSet;
  let authorized: AuthorizedAccounts | undefined;
  // A removed account's series leave /metrics once its last messages are answered.
  const onRetired = (retired: Account): void => {
    if (accounts.find(retired.name) === undefined) server.metrics.dropAccount(retired.name);
  };
  let entries: readonly AccountSettings[];
  try {
    openPlatform = createOpenPlatform(config, server);
    const settings =
      accountsFile === undefined
        ? [defaultAccountSettings(config)].filter((entry) => entry !== undefined)
        : readAccountsFile(accountsFile, context());
    entries = settings.filter((entry) => entry.componentAppId !== undefined);
    configured = createAccountSet(
      settings.filter((entry) => entry.componentAppId === undefined),
      (entry) => createAccount(entry, config, server, options),
      logger,
      onRetired,
    );
  } catch (error) {
    void Promise.resolve(openPlatform?.close()).finally(() => server.close());
    throw error;
  }
  if (openPlatform !== undefined && config.component !== undefined) {
    const platform = openPlatform;
    server.metrics.watchOpenPlatform(platform.state);
    // An authorised account gets the application's handlers, never a store given for one account.
    const { router, defaultRules } = options;
    // Redis refuses commands until it is connected: the first read of the list waits for it, not for the next 30 s.
    const connecting = server.redis !== undefined && server.redis.redis.status !== 'ready';
    const accountsOfPlatform = createAuthorizedAccounts({
      platform,
      component: config.component,
      jssdkDomains: config.jssdkDomains,
      make: (settings, authorisedTo) => {
        const handlers = isReleaseCheckAccount(settings.appId)
          ? releaseCheckRouter(platform, router ?? createReplyRouter(), logger.child({ account: settings.name }))
          : router;
        return createAccount(settings, config, server, { router: handlers, defaultRules }, authorisedTo);
      },
      logger,
      onRetired,
      syncAtStart: !connecting,
    });
    if (connecting) server.redis?.redis.once('ready', () => void accountsOfPlatform.sync());
    accountsOfPlatform.setEntries(entries);
    authorized = accountsOfPlatform;
  }
  const accounts = withAuthorizedAccounts(configured, authorized);

  const watcher =
    accountsFile === undefined
      ? undefined
      : watchFileChanges(
          accountsFile,
          () => {
            try {
              const settings = readAccountsFile(accountsFile, context());
              configured.update(settings.filter((entry) => entry.componentAppId === undefined));
              authorized?.setEntries(settings.filter((entry) => entry.componentAppId !== undefined));
            } catch (error) {
              const problems = error instanceof ConfigError ? error.problems.map((problem) => problem.message) : [String(error)];
              logger.error(
                { file: accountsFile, problems },
                `accounts file not applied, the previous accounts stay in force: ${problems[0] ?? 'invalid'}`,
              );
            }
          },
          logger,
          'the accounts file',
          options.watch,
        );

  return {
    server,
    accounts,
    openPlatform,
    authorized,
    async shutdown() {
      watcher?.close();
      await accounts.close();
      await openPlatform?.close();
      await server.close();
    },
  };
}

/**
 * The configured accounts and those that authorised the platform, as one set: an
 * authorised account is found by its AppID (its name) like any other. A request that
 * names no account goes, with authorised accounts present, to the one named `default`.
 */
function withAuthorizedAccounts(configured: AccountSet, authorized: AuthorizedAccounts | undefined): AccountSet {
  if (authorized === undefined) return configured;
  return {
    find: (key) => configured.find(key) ?? authorized.find(key),
    fallback: () => (authorized.all().length === 0 ? configured.fallback() : configured.find(DEFAULT_ACCOUNT)),
    all: () => {
      const more = authorized.all();
      return more.length === 0 ? configured.all() : [...configured.all(), ...more];
    },
    update: (settings) => configured.update(settings),
    close: async () => {
      await Promise.all([configured.close(), authorized.close()]);
    },
  };
}

/**
 * The third-party platform, when configured: its state in Redis (shared by every
 * instance, and Redis is checked to keep it) or in OPEN_STATE_FILE; asks WeChat for a
 * ticket when it has none.
 */
function createOpenPlatform(config: Config, server: ServerResources): OpenPlatform | undefined {
  const { component } = config;
  if (component === undefined) return undefined;
  const { redis, logger } = server;
  if (redis !== undefined) warnUnlessRedisKeepsState(redis, logger);
  const platformLogger = logger.child({ open: component.appId });
  const state = openPlatformState(redis, config.openStateFile, component.appId, platformLogger);
  const platform = new OpenPlatform({
    component,
    state,
    apiBase: config.apiBase,
    now: server.now,
    logger: platformLogger,
  });
  // With Redis, once it answers: the ask is claimed there, once for every instance.
  if (redis === undefined || redis.redis.status === 'ready') void platform.start();
  else redis.redis.once('ready', () => void platform.start());
  return platform;
}
