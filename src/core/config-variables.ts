import {
  addressRanges,
  adminToken,
  aesKey,
  flag,
  hostNames,
  oneOf,
  Refusal,
  repliesFile,
  text,
  url,
  urlPath,
  wholeNumber,
  type Parse,
} from './config-values.js';
import { ConfigError, type ConfigProblem } from './errors.js';

/**
 * Every environment variable the server and the commands read, in one table: its
 * section, its default, how its text is parsed (and so its bounds), and a line saying
 * what it is. `loadConfig`, `loadApiConfig` and each command read their variables through
 * it; a test holds `.env.example` and the README's configuration table to it.
 *
 * A table and not a zod schema: zod (the replies file's and /api's validator) is loaded
 * only when one of those is used, and loading it at start-up would cost every server
 * about 4.5 MiB of peak RSS (BENCHMARKS.md counts it).
 */

export type Env = Readonly<Record<string, string | undefined>>;

export type Section =
  | 'webhook'
  | 'account credentials'
  | 'outbound API'
  | 'listening'
  | 'admin'
  | 'web pages'
  | 'shared state'
  | 'replies'
  | 'menu'
  | 'several accounts'
  | 'open platform'
  | 'publishing'
  | 'logging';

export interface Variable<T, F extends T | undefined = T | undefined> {
  readonly section: Section;
  /** What it is, in one line. */
  readonly description: string;
  readonly parse: Parse<T>;
  /** The value when unset or empty; undefined when there is none. */
  readonly fallback: F;
  /** A variable the server cannot start without: how to set it, after "is missing or empty: ". */
  readonly required?: string;
  /** Its text is a secret: no problem reported about it quotes it. */
  readonly secret?: boolean;
  /** Set but empty is a value of its own, given to `parse`, not "unset". */
  readonly emptyIsValue?: boolean;
  /** The default is worked out from elsewhere, as the docs say in words (JSSDK_DOMAINS: the host of PUBLIC_URL). */
  readonly derivedDefault?: string;
  /** What `.env.example` shows when not the default: a sample, or a value that suits a laptop. */
  readonly example?: string;
}

function variable<T, const F extends T | undefined = undefined>(spec: Variable<T, F>): Variable<T, F> {
  return spec;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const DEFAULT_FALLBACK_REPLY = '暂不支持该类型的消息';

export const VARIABLES = {
  // The webhook: what WeChat's messages are checked with.
  WECHAT_TOKEN: variable({
    section: 'webhook',
    description: "the Token entered on the platform's server-configuration page (服务器配置)",
    parse: text,
    fallback: undefined,
    required:
      'set it in .env or the environment to the Token entered on the platform’s server-configuration page (npm start in a terminal writes .env with a new one)',
    secret: true,
    example: 'change-me',
  }),
  WECHAT_ENCODING_AES_KEY: variable({
    section: 'webhook',
    description: 'the 43-character EncodingAESKey; enables compatible and safe mode',
    parse: aesKey,
    fallback: undefined,
    secret: true,
    // WeChat's documentation sample, so that `npm run simulate -- --aes` works out of the box.
    example: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  }),
  WECHAT_PATH: variable({ section: 'webhook', description: 'where the webhook is mounted', parse: urlPath, fallback: '/wechat' }),
  WECHAT_REQUIRE_AES: variable({
    section: 'webhook',
    description: 'true: refuse every POST that is not encrypted (encrypt_type=aes); needs WECHAT_ENCODING_AES_KEY',
    parse: flag,
    fallback: false,
  }),
  SIGNATURE_MAX_AGE_S: variable({
    section: 'webhook',
    description: "how far (seconds) a POST's timestamp may be from the server's clock; 0: unchecked",
    parse: wholeNumber(0, 86_400),
    fallback: 300,
  }),

  // The account's credentials, for every outbound call.
  WECHAT_APPID: variable({ section: 'account credentials', description: "the account's AppID", parse: text, fallback: undefined }),
  WECHAT_APPSECRET: variable({
    section: 'account credentials',
    description: "the account's AppSecret, needed with WECHAT_APPID for every outbound API call",
    parse: text,
    fallback: undefined,
    secret: true,
  }),

  // Outbound calls to WeChat's API.
  WECHAT_API_BASE: variable({
    section: 'outbound API',
    description: 'base URL of every outbound API call (a proxy, or a local fake)',
    parse: url(['http:', 'https:']),
    fallback: 'https://api.weixin.qq.com',
  }),
  WECHAT_TOKEN_MODE: variable({
    section: 'outbound API',
    description: 'stable: POST /cgi-bin/stable_token; token: the classic GET /cgi-bin/token',
    parse: oneOf(['stable', 'token']),
    fallback: 'stable',
  }),

  // Where the server listens.
  PORT: variable({
    section: 'listening',
    description: 'listening port (WeChat only calls 80 and 443)',
    parse: wholeNumber(1, 65535),
    fallback: 80,
    // So that `npm start` works without root.
    example: '8080',
  }),
  HOST: variable({ section: 'listening', description: 'listening address', parse: text, fallback: '0.0.0.0' }),

  // The admin routes.
  ADMIN_TOKEN: variable({
    section: 'admin',
    description: 'guards the admin routes; unset: only clients on this machine not coming through a proxy',
    parse: adminToken,
    fallback: undefined,
    secret: true,
  }),
  TRUST_PROXY: variable({
    section: 'admin',
    description: 'the reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For names the client',
    parse: addressRanges,
    fallback: Object.freeze([]),
  }),

  // The pages a user opens: OAuth and the JS-SDK.
  PUBLIC_URL: variable({
    section: 'web pages',
    description: 'the externally visible base URL, for the OAuth redirect_uri',
    parse: url(['http:', 'https:']),
    fallback: undefined,
  }),
  JSSDK_DOMAINS: variable({
    section: 'web pages',
    description: 'host names (comma-separated, exact) whose pages may get a JS-SDK signature',
    parse: hostNames,
    fallback: undefined,
    derivedDefault: 'the host of PUBLIC_URL',
  }),

  // State kept between messages, in this process or in Redis.
  REDIS_URL: variable({
    section: 'shared state',
    description: 'Redis, shared by every instance: the access token, its lock, retries and sessions',
    parse: url(['redis:', 'rediss:']),
    fallback: undefined,
    // A URL may carry a password.
    secret: true,
  }),
  RETRY_MEMORY_MB: variable({
    section: 'shared state',
    description: "MiB of answers remembered for WeChat's retries in this process",
    parse: wholeNumber(1, 1024),
    fallback: 8,
  }),
  SESSION_TTL_S: variable({
    section: 'shared state',
    description: "how long (seconds) a user's conversation state is kept after its last use",
    parse: wholeNumber(1, 30 * 86_400),
    fallback: 1800,
  }),

  // Replies.
  REPLIES_FILE: variable({
    section: 'replies',
    description: 'the replies file (.yaml, .yml or .json); set but empty: none',
    parse: repliesFile,
    fallback: undefined,
    emptyIsValue: true,
    derivedDefault: 'npm start: replies.yaml, used when it exists; the library: none',
    example: 'replies.yaml',
  }),
  FALLBACK_REPLY: variable({
    section: 'replies',
    description: 'the text answered to message types the rules do not handle',
    parse: text,
    fallback: DEFAULT_FALLBACK_REPLY,
  }),
  REPLY_TIMEOUT_MS: variable({
    section: 'replies',
    description: 'how long (ms) a handler may take before the reply goes out as a customer-service message',
    parse: wholeNumber(1, 60_000),
    fallback: 4500,
  }),
  TYPING_AFTER_MS: variable({
    section: 'replies',
    description:
      'after how long (ms) a handler still working shows the user “对方正在输入…” (customer-service typing, sent once); 0: never',
    parse: wholeNumber(0, 60_000),
    fallback: 1000,
  }),

  // The menu command.
  MENU_FILE: variable({
    section: 'menu',
    description: 'the file `npm run menu` reads when none is named, and the console’s menu editor edits',
    parse: text,
    fallback: 'menu.json',
  }),

  // Several accounts.
  ACCOUNTS_FILE: variable({
    section: 'several accounts',
    description:
      'the accounts file (YAML or JSON) listing several accounts; then no WECHAT_TOKEN, WECHAT_APPID, WECHAT_APPSECRET or WECHAT_ENCODING_AES_KEY',
    parse: text,
    fallback: undefined,
    example: 'accounts.yaml',
  }),
  METRICS_ACCOUNT_LABEL: variable({
    section: 'several accounts',
    description:
      'with ACCOUNTS_FILE or WECHAT_COMPONENT_*, `name` labels each series of /metrics with its account; `none` drops the label, for very many accounts',
    parse: oneOf(['name', 'none'] as const),
    fallback: 'name',
  }),
  VERIFY_FILES_DIR: variable({
    section: 'web pages',
    description: 'the directory of the MP_verify_<code>.txt files WeChat asks a domain to host, served at /MP_verify_<code>.txt',
    parse: text,
    fallback: 'verify',
  }),

  // The open platform (第三方平台): accounts that other people authorise.
  WECHAT_COMPONENT_APPID: variable({
    section: 'open platform',
    description: "the third-party platform's AppID (component_appid); the four WECHAT_COMPONENT_* are set together or not at all",
    parse: text,
    fallback: undefined,
  }),
  WECHAT_COMPONENT_SECRET: variable({
    section: 'open platform',
    description: "the third-party platform's AppSecret (component_appsecret)",
    parse: text,
    fallback: undefined,
    secret: true,
  }),
  WECHAT_COMPONENT_TOKEN: variable({
    section: 'open platform',
    description: "the platform's message-check Token (消息校验Token), which signs the pushes to /open/events",
    parse: text,
    fallback: undefined,
    secret: true,
  }),
  WECHAT_COMPONENT_AES_KEY: variable({
    section: 'open platform',
    description: "the platform's 43-character message encryption key (消息加解密Key)",
    parse: aesKey,
    fallback: undefined,
    secret: true,
  }),
  OPEN_STATE_FILE: variable({
    section: 'open platform',
    description: "without REDIS_URL, where the platform's ticket and authorised accounts are kept (mode 0600)",
    parse: text,
    fallback: '.open-state.json',
  }),

  ARTICLES_DIR: variable({
    section: 'publishing',
    description: 'where /api/articles and the console find the article files they name (paths are taken within it)',
    parse: text,
    fallback: 'articles',
  }),
  ARTICLES_STATE_FILE: variable({
    section: 'publishing',
    description: "without REDIS_URL, where publishing keeps each file's draft, uploaded images, previews, sends and WeChat's reports",
    parse: text,
    fallback: '.wechat-articles.json',
  }),

  LOG_LEVEL: variable({ section: 'logging', description: 'pino level', parse: oneOf(LOG_LEVELS), fallback: 'info' }),
} satisfies Record<string, Variable<unknown>>;

export type VariableName = keyof typeof VARIABLES;
export const VARIABLE_NAMES = Object.keys(VARIABLES) as VariableName[];

/** The value a variable reads as: its parsed text, or its fallback. */
export type ValueOf<N extends VariableName> = (typeof VARIABLES)[N] extends Variable<infer T, infer F> ? T | F : never;
export type Values<N extends VariableName> = { readonly [K in N]: ValueOf<K> };

export interface VariablesChecked<N extends VariableName> {
  /** Each variable's value; where it was refused, its fallback (the problem says so). */
  readonly values: Values<N>;
  /** Every problem found, in the table's order; empty when all are fine. */
  readonly problems: ConfigProblem[];
}

/** Reads `names` from `env` and reports every problem rather than the first. */
export function checkVariables<N extends VariableName>(env: Env, names: readonly N[]): VariablesChecked<N> {
  const wanted = new Set<VariableName>(names);
  const values: Partial<Record<VariableName, unknown>> = {};
  const problems: ConfigProblem[] = [];
  for (const name of VARIABLE_NAMES) {
    if (!wanted.has(name)) continue;
    const spec: Variable<unknown> = VARIABLES[name];
    const raw = env[name];
    const value = raw === undefined || (raw === '' && spec.emptyIsValue !== true) ? spec.fallback : spec.parse(raw);
    if (value instanceof Refusal) {
      problems.push({ variable: name, message: `${name} ${value.problem}` });
      values[name] = spec.fallback;
    } else if (value === undefined && spec.required !== undefined) {
      problems.push({ variable: name, message: `${name} is missing or empty: ${spec.required}` });
    } else {
      values[name] = value;
    }
  }
  return { values: values as Values<N>, problems };
}

/** Reads `names` from `env`; throws a ConfigError listing every problem. */
export function readVariables<N extends VariableName>(env: Env, names: readonly N[]): Values<N> {
  const { values, problems } = checkVariables(env, names);
  if (problems.length > 0) throwProblems(problems);
  return values;
}

/**
 * Throws a ConfigError whose message has a line for each problem (there must be one), in
 * the table's order.
 */
export function throwProblems(problems: readonly ConfigProblem[]): never {
  const place = (problem: ConfigProblem): number => {
    const index = VARIABLE_NAMES.indexOf(problem.variable as VariableName);
    return index === -1 ? VARIABLE_NAMES.length : index;
  };
  const [first, ...more] = [...problems].sort((a, b) => place(a) - place(b));
  if (first === undefined) throw new Error('a configuration refused without a problem to report');
  throw new ConfigError(first.variable, first.message, more);
}

/** The default as `.env` would spell it, or undefined when there is none (unset, or an empty list). */
export function defaultText(spec: Variable<unknown>): string | undefined {
  const { fallback } = spec;
  if (fallback === undefined || (Array.isArray(fallback) && fallback.length === 0)) return undefined;
  return typeof fallback === 'string' ? fallback : JSON.stringify(fallback);
}
