import type { Config } from '../core/config.js';

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
