import type { Config } from '../core/config.js';

/** How an AppID is spelt here (WeChat's are `wx` and 16 hex digits): letters, digits, '-' and '_', at most 64. */
export const APP_ID_SPELLING = /^[A-Za-z0-9_-]{1,64}$/;

/** The name of the account part one's `WECHAT_*` variables define. */
export const DEFAULT_ACCOUNT = 'default';

/** A key another service presents on `/api` (like ADMIN_TOKEN) to act for one account only. */
export interface ApiKey {
  /** What the audit lines carry: the key's name, or `<account>#<index>`. */
  readonly name: string;
  readonly key: string;
  /** Whether the key may sign in to the console too. */
  readonly console: boolean;
}

/** What one official account is configured with: who it is, how it signs, what it answers. */
export interface AccountSettings {
  /** Letters, digits, '-' and '_': the account's name in URLs, logs and metrics. */
  readonly name: string;
  readonly appId: string | undefined;
  readonly appSecret: string | undefined;
  /** The token WeChat signs this account's messages with. */
  readonly token: string;
  /** Safe mode's key, when the account uses it. */
  readonly encodingAesKey: string | undefined;
  /** Refuse POSTs that are not `encrypt_type=aes`. */
  readonly requireAes: boolean;
  /** The account's replies file, watched; none when undefined. */
  readonly repliesFile: string | undefined;
  /** The account's menu file, for `npm run menu -- --account`; none when undefined. */
  readonly menuFile: string | undefined;
  /** Host names whose pages may get a JS-SDK signature. */
  readonly jssdkDomains: readonly string[];
  /** The keys that may use `/api` for this account only. */
  readonly apiKeys: readonly ApiKey[];
  /**
   * The component AppID of the third-party platform this account authorised, when it is
   * one of the platform's accounts: its messages come sealed with the component's token
   * and key (and carry this AppID), its API goes through the platform, and its keys in
   * Redis are under the platform's.
   */
  readonly componentAppId?: string;
}

/** The one account of part one: the `WECHAT_*` variables, named `default`; none with ACCOUNTS_FILE. */
export function defaultAccountSettings(config: Config): AccountSettings | undefined {
  if (config.token === undefined) return undefined;
  return {
    name: DEFAULT_ACCOUNT,
    appId: config.appId,
    appSecret: config.appSecret,
    token: config.token,
    encodingAesKey: config.encodingAesKey,
    requireAes: config.requireAes,
    repliesFile: config.repliesFile,
    menuFile: config.menuFile,
    jssdkDomains: config.jssdkDomains,
    apiKeys: [],
  };
}

/** What ACCOUNTS_FILE may give an account that authorised the platform: its files and keys. */
export type AuthorisedAccountFiles = Pick<AccountSettings, 'repliesFile' | 'menuFile' | 'jssdkDomains' | 'apiKeys'>;

/**
 * An account that authorised the third-party platform: named by its AppID, its messages
 * sealed with the platform's token and key, its files and keys from its ACCOUNTS_FILE
 * entry (none without one).
 */
export function authorisedAccountSettings(
  component: { readonly appId: string; readonly token: string; readonly aesKey: string },
  appId: string,
  files: AuthorisedAccountFiles,
): AccountSettings {
  return {
    name: appId,
    appId,
    appSecret: undefined,
    token: component.token,
    encodingAesKey: component.aesKey,
    requireAes: true,
    ...files,
    componentAppId: component.appId,
  };
}
