import type { AddressRange } from './config-values.js';
import type { ConfigProblem } from './errors.js';
import {
  checkVariables,
  readVariables,
  throwProblems,
  VARIABLE_NAMES,
  type Env,
  type LogLevel,
  type VariableName,
  type Values,
} from './config-variables.js';

export type { AddressRange } from './config-values.js';
export { ADMIN_TOKEN_MIN_LENGTH } from './config-values.js';
export { DEFAULT_FALLBACK_REPLY, type LogLevel } from './config-variables.js';

/** Everything the server reads from its environment, validated once at start-up. */
export interface Config {
  /** The token of part one's single account; undefined with ACCOUNTS_FILE, where each account has its own. */
  readonly token: string | undefined;
  readonly appId: string | undefined;
  readonly appSecret: string | undefined;
  readonly encodingAesKey: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly wechatPath: string;
  readonly apiBase: string;
  readonly adminToken: string | undefined;
  readonly publicUrl: string | undefined;
  /** Host names whose pages may get a JS-SDK signature (JSSDK_DOMAINS; default the host of PUBLIC_URL). */
  readonly jssdkDomains: readonly string[];
  readonly tokenMode: 'stable' | 'token';
  readonly redisUrl: string | undefined;
  readonly fallbackReply: string;
  readonly replyTimeoutMs: number;
  /** TYPING_AFTER_MS: a handler slower than this shows the user typing (0: never). */
  readonly typingAfterMs: number;
  /** MiB of answers the in-process retry memory keeps (RETRY_MEMORY_MB). */
  readonly retryMemoryMb: number;
  /** How far a POST's `timestamp` may be from the server's clock, in seconds; 0: unchecked. */
  readonly signatureMaxAgeS: number;
  /** How long a user's conversation state is kept after its last use, in seconds (SESSION_TTL_S). */
  readonly sessionTtlS: number;
  /** Refuse POSTs that are not `encrypt_type=aes` (an account in safe mode). */
  readonly requireAes: boolean;
  readonly logLevel: LogLevel;
  /**
   * The replies file (REPLIES_FILE), or none. The library reads no file it is not told
   * of; `npm start` passes `replies.yaml` as the default (see `LoadConfigOptions`).
   */
  readonly repliesFile: string | undefined;
  /** The menu file (MENU_FILE, default `menu.json`) the console's menu editor edits; none with ACCOUNTS_FILE. */
  readonly menuFile: string | undefined;
  /**
   * The reverse proxies whose `X-Forwarded-For` names the client (TRUST_PROXY: addresses
   * or CIDRs, comma-separated); empty by default, when every client behind a proxy is
   * the proxy.
   */
  readonly trustProxy: readonly AddressRange[];
  /** The accounts file (ACCOUNTS_FILE): several accounts instead of the `WECHAT_*` one. */
  readonly accountsFile: string | undefined;
  /** With ACCOUNTS_FILE, whether each series of `/metrics` carries `account` (METRICS_ACCOUNT_LABEL). */
  readonly metricsAccountLabel: 'name' | 'none';
  /** Where the `MP_verify_<code>.txt` files are (VERIFY_FILES_DIR). */
  readonly verifyFilesDir: string;
  /** The third-party platform, when all four WECHAT_COMPONENT_* are set. */
  readonly component: ComponentConfig | undefined;
  /** Without REDIS_URL, the file of the platform's ticket and authorised accounts (OPEN_STATE_FILE). */
  readonly openStateFile: string;
  /** Where /api/articles and the console find article files (ARTICLES_DIR). */
  readonly articlesDir: string;
  /** Without REDIS_URL, the file of publishing's records (ARTICLES_STATE_FILE). */
  readonly articlesStateFile: string;
}

/** The third-party platform (第三方平台): the four WECHAT_COMPONENT_* variables. */
export interface ComponentConfig {
  readonly appId: string;
  readonly secret: string;
  readonly token: string;
  readonly aesKey: string;
}

/** JSSDK_DOMAINS when unset: the host of PUBLIC_URL, or none. */
export function defaultJssdkDomains(publicUrl: string | undefined): readonly string[] {
  return Object.freeze(publicUrl === undefined ? [] : [new URL(publicUrl).hostname]);
}

/** What an outbound API call needs: the part of the configuration the CLI commands read. */
export type ApiConfig = Pick<Config, 'appId' | 'appSecret' | 'apiBase' | 'tokenMode' | 'redisUrl'>;

const API_VARIABLES = ['WECHAT_APPID', 'WECHAT_APPSECRET', 'WECHAT_API_BASE', 'WECHAT_TOKEN_MODE', 'REDIS_URL'] as const;

/**
 * Reads and validates only the outbound API's variables, so that a command such as
 * `npm run menu` works without WECHAT_TOKEN. Throws a ConfigError like loadConfig.
 */
export function loadApiConfig(env: Env): ApiConfig {
  const values = readVariables(env, API_VARIABLES);
  return Object.freeze(apiConfig(values));
}

function apiConfig(values: Values<(typeof API_VARIABLES)[number]>): ApiConfig {
  return {
    appId: values.WECHAT_APPID,
    appSecret: values.WECHAT_APPSECRET,
    apiBase: values.WECHAT_API_BASE,
    tokenMode: values.WECHAT_TOKEN_MODE,
    redisUrl: values.REDIS_URL,
  };
}

export interface LoadConfigOptions {
  /**
   * The replies file when REPLIES_FILE is unset, watched even before it exists (it is
   * picked up when created). `npm start` passes `replies.yaml`; by default there is none.
   */
  readonly defaultRepliesFile?: string;
}

/** Part one's account: none of these may be set beside ACCOUNTS_FILE, where each account has its own. */
const SINGLE_ACCOUNT_VARIABLES = ['WECHAT_TOKEN', 'WECHAT_APPID', 'WECHAT_APPSECRET', 'WECHAT_ENCODING_AES_KEY'] as const;

/** The third-party platform's variables: all four, or none. */
const COMPONENT_VARIABLES = [
  'WECHAT_COMPONENT_APPID',
  'WECHAT_COMPONENT_SECRET',
  'WECHAT_COMPONENT_TOKEN',
  'WECHAT_COMPONENT_AES_KEY',
] as const;

const isSetIn = (env: Env, name: string): boolean => env[name] !== undefined && env[name] !== '';

/** Some of the four WECHAT_COMPONENT_* set but not all: the problem, naming the missing ones. */
function componentProblem(env: Env): ConfigProblem | undefined {
  const componentSet = COMPONENT_VARIABLES.filter((name) => isSetIn(env, name));
  if (componentSet.length === 0 || componentSet.length === COMPONENT_VARIABLES.length) return undefined;
  const missing = COMPONENT_VARIABLES.filter((name) => !isSetIn(env, name));
  return {
    variable: missing[0] ?? 'WECHAT_COMPONENT_APPID',
    message: `the open platform needs all four WECHAT_COMPONENT_* variables: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing (set ${missing.length === 1 ? 'it' : 'them'}, or unset ${componentSet.join(', ')})`,
  };
}

/** The platform the four variables' values make, or undefined unless all four are there. */
function componentOf(values: Values<(typeof COMPONENT_VARIABLES)[number]>): ComponentConfig | undefined {
  const { WECHAT_COMPONENT_APPID: appId, WECHAT_COMPONENT_SECRET: secret } = values;
  const { WECHAT_COMPONENT_TOKEN: token, WECHAT_COMPONENT_AES_KEY: aesKey } = values;
  if (appId === undefined || secret === undefined || token === undefined || aesKey === undefined) return undefined;
  return Object.freeze({ appId, secret, token, aesKey });
}

/**
 * The third-party platform alone, for a command: the four WECHAT_COMPONENT_*, read and
 * checked as `loadConfig` does (all four or none). Undefined when none is set; throws a
 * ConfigError naming the missing ones when only some are, or a value that is refused.
 */
export function loadComponentConfig(env: Env): ComponentConfig | undefined {
  const { values, problems } = checkVariables(env, COMPONENT_VARIABLES);
  const partial = componentProblem(env);
  if (partial !== undefined) problems.push(partial);
  if (problems.length > 0) throwProblems(problems);
  return componentOf(values);
}

/** What the server reads: every variable of the table (MENU_FILE for the console's menu editor). */
const SERVER_VARIABLES = VARIABLE_NAMES;

/**
 * Reads and validates the configuration through the table of variables
 * (`config-variables.ts`). Throws a ConfigError listing every problem, one a line, each
 * naming its variable; the caller decides how to exit.
 */
export function loadConfig(env: Env, options: LoadConfigOptions = {}): Config {
  const { values, problems } = checkVariables(env, SERVER_VARIABLES);
  const refused = (name: VariableName): boolean => problems.some((problem) => problem.variable === name);
  if (values.WECHAT_REQUIRE_AES && values.WECHAT_ENCODING_AES_KEY === undefined && !refused('WECHAT_ENCODING_AES_KEY')) {
    problems.push({
      variable: 'WECHAT_REQUIRE_AES',
      message: 'WECHAT_REQUIRE_AES is true, but WECHAT_ENCODING_AES_KEY is not set: safe mode needs the key',
    });
  }
  const accountsFile = values.ACCOUNTS_FILE;
  const isSet = (name: string): boolean => isSetIn(env, name);
  if (accountsFile !== undefined) {
    for (const name of SINGLE_ACCOUNT_VARIABLES) {
      if (!isSet(name)) continue;
      problems.push({
        variable: name,
        message: `${name} and ACCOUNTS_FILE are both set: with ACCOUNTS_FILE each account's credentials are in its entry; unset ${name}`,
      });
    }
    for (const name of ['REPLIES_FILE', 'MENU_FILE'] as const) {
      if (!isSet(name)) continue;
      problems.push({
        variable: name,
        message: `${name} and ACCOUNTS_FILE are both set: each account names its own (${name === 'REPLIES_FILE' ? 'replies_file' : 'menu_file'}); unset ${name}`,
      });
    }
  }
  const partial = componentProblem(env);
  if (partial !== undefined) problems.push(partial);
  const component = componentOf(values);
  const token = values.WECHAT_TOKEN;
  // With ACCOUNTS_FILE the server needs no WECHAT_TOKEN: each account has its token. As a
  // third-party platform it needs none either: the `WECHAT_*` account is then optional.
  const tokenOptional = accountsFile !== undefined || COMPONENT_VARIABLES.every(isSet);
  const found = tokenOptional ? problems.filter((problem) => !(problem.variable === 'WECHAT_TOKEN' && token === undefined)) : problems;
  if (found.length > 0) throwProblems(found);

  const publicUrl = values.PUBLIC_URL;
  const repliesFile = values.REPLIES_FILE;
  return Object.freeze({
    token,
    ...apiConfig(values),
    encodingAesKey: values.WECHAT_ENCODING_AES_KEY,
    port: values.PORT,
    host: values.HOST,
    wechatPath: values.WECHAT_PATH,
    adminToken: values.ADMIN_TOKEN,
    publicUrl,
    jssdkDomains: values.JSSDK_DOMAINS ?? defaultJssdkDomains(publicUrl),
    fallbackReply: values.FALLBACK_REPLY,
    replyTimeoutMs: values.REPLY_TIMEOUT_MS,
    typingAfterMs: values.TYPING_AFTER_MS,
    retryMemoryMb: values.RETRY_MEMORY_MB,
    signatureMaxAgeS: values.SIGNATURE_MAX_AGE_S,
    sessionTtlS: values.SESSION_TTL_S,
    requireAes: values.WECHAT_REQUIRE_AES,
    logLevel: values.LOG_LEVEL,
    // Set but empty (null) says "no replies file", even where the default exists.
    // With ACCOUNTS_FILE each account names its own: npm start's default does not apply.
    repliesFile: repliesFile === null || accountsFile !== undefined ? undefined : (repliesFile ?? options.defaultRepliesFile),
    menuFile: accountsFile === undefined ? values.MENU_FILE : undefined,
    trustProxy: values.TRUST_PROXY,
    accountsFile,
    metricsAccountLabel: values.METRICS_ACCOUNT_LABEL,
    verifyFilesDir: values.VERIFY_FILES_DIR,
    component,
    openStateFile: values.OPEN_STATE_FILE,
    articlesDir: values.ARTICLES_DIR,
    articlesStateFile: values.ARTICLES_STATE_FILE,
  });
}
