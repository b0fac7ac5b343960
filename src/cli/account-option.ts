import type { AccountSettings } from '../accounts/account-settings.js';
import { findAccount, readAccountsFile } from '../accounts/accounts-file.js';
import { defaultJssdkDomains, loadApiConfig, loadComponentConfig } from '../core/config.js';
import { readVariables, type Env } from '../core/config-variables.js';
import { ConfigError } from '../core/errors.js';
import { UsageError } from './cli-errors.js';
import type { AuthorisedApiConfig, CommandApiConfig } from './open-api.js';

/**
 * `--account <name>` (or `--account=<name>`), which the commands take to act for one
 * account of ACCOUNTS_FILE instead of the `WECHAT_*` one.
 */

/** `--account`'s value when `arg` is the option (reading the next word from `next`), otherwise undefined. */
export function accountOption(arg: string, next: () => string | undefined): string | undefined {
  if (arg !== '--account' && !arg.startsWith('--account=')) return undefined;
  const name = arg === '--account' ? next() : arg.slice('--account='.length);
  if (name === undefined || name === '' || name.startsWith('-')) throw new UsageError('--account needs an account name');
  return name;
}

/**
 * The account of ACCOUNTS_FILE named `name` (or with that AppID), its `${VAR}` read from
 * `env`. The file is read as the server reads it: with the four WECHAT_COMPONENT_* set,
 * an entry without a token is an account that authorised the platform. Throws a
 * ConfigError, a line for each problem: no ACCOUNTS_FILE, some WECHAT_COMPONENT_* but not
 * all, a file that does not validate, or no such account.
 */
export function commandAccount(env: Env, name: string): AccountSettings {
  const values = readVariables(env, ['ACCOUNTS_FILE', 'ADMIN_TOKEN', 'WECHAT_REQUIRE_AES', 'JSSDK_DOMAINS', 'PUBLIC_URL']);
  const file = values.ACCOUNTS_FILE;
  if (file === undefined) {
    throw new ConfigError('ACCOUNTS_FILE', `--account ${name}: ACCOUNTS_FILE is not set (in .env or the environment)`);
  }
  const component = loadComponentConfig(env);
  const accounts = readAccountsFile(file, {
    env,
    adminToken: values.ADMIN_TOKEN,
    requireAes: values.WECHAT_REQUIRE_AES,
    jssdkDomains: values.JSSDK_DOMAINS ?? defaultJssdkDomains(values.PUBLIC_URL),
    component,
  });
  const account = findAccount(accounts, name);
  if (account === undefined) {
    const names = accounts.map((entry) => entry.name).join(', ');
    // The server serves every account that authorised the platform; a command, those the file lists.
    const listing = component === undefined ? '' : '; list an account that authorised the platform as `- appid: <appid>`';
    throw new ConfigError('ACCOUNTS_FILE', `--account ${name}: no such account in ${file} (it lists ${names}${listing})`);
  }
  return account;
}

/**
 * The outbound API's settings for `account`: its AppID and secret, the rest (API base,
 * Redis) from `env`; for an account that authorised the platform, the platform's (the
 * four WECHAT_COMPONENT_*, and where its state is: REDIS_URL, else OPEN_STATE_FILE).
 */
export function accountApiConfig(env: Env, account: AccountSettings): CommandApiConfig {
  if (account.componentAppId !== undefined) return authorisedApiConfig(env, account.appId ?? account.name);
  if (account.appSecret === undefined) {
    throw new ConfigError(
      'ACCOUNTS_FILE',
      `account ${account.name} has no secret in ACCOUNTS_FILE: this command calls WeChat's API with it`,
    );
  }
  return Object.freeze({ ...loadApiConfig(env), appId: account.appId, appSecret: account.appSecret });
}

/** The platform's settings for the authorised account `appId`, read from `env` as the server reads them. */
function authorisedApiConfig(env: Env, appId: string): AuthorisedApiConfig {
  const component = loadComponentConfig(env);
  // commandAccount read the account with the platform: its variables are all set.
  if (component === undefined) throw new Error('an authorised account read without WECHAT_COMPONENT_*');
  const { apiBase, redisUrl } = loadApiConfig(env);
  return Object.freeze({
    authorizerAppId: appId,
    component,
    apiBase,
    redisUrl,
    openStateFile: readVariables(env, ['OPEN_STATE_FILE']).OPEN_STATE_FILE,
  });
}
