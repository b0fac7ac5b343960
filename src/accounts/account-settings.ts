import type { Config } from '../core/config.js';

/** The name of the account part one's `WECHAT_*` variables define. */
export const DEFAULT_ACCOUNT = 'default';

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
  /** Host names whose pages may get a JS-SDK signature. */
  readonly jssdkDomains: readonly string[];
}

/** The one account of part one: the `WECHAT_*` variables, named `default`. */
export function defaultAccountSettings(config: Config): AccountSettings {
  return {
    name: DEFAULT_ACCOUNT,
    appId: config.appId,
    appSecret: config.appSecret,
    token: config.token,
    encodingAesKey: config.encodingAesKey,
    requireAes: config.requireAes,
    repliesFile: config.repliesFile,
    jssdkDomains: config.jssdkDomains,
  };
}
