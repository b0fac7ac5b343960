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
 * it; a test holds `.env.example` and the configuration reference (generated from it) to it.
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
  /** What it is and what it does, for the configuration reference (Markdown; links relative to docs/reference/). */
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
    description: "the Token entered on the platform's server-config page (not with `ACCOUNTS_FILE`, where each account has its own)",
    parse: text,
    fallback: undefined,
    required:
      'set it in .env or the environment to the Token entered on the platform’s server-configuration page (npm start in a terminal writes .env with a new one)',
    secret: true,
    example: 'change-me',
  }),
  WECHAT_ENCODING_AES_KEY: variable({
    section: 'webhook',
    description: '43-character EncodingAESKey; enables compatible and safe mode',
    parse: aesKey,
    fallback: undefined,
    secret: true,
    // WeChat's documentation sample, so that `npm run simulate -- --aes` works out of the box.
    example: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  }),
  WECHAT_PATH: variable({
    section: 'webhook',
    description: 'where the webhook is mounted; with `ACCOUNTS_FILE`, each account at `WECHAT_PATH/<name>` (and `/<appid>`)',
    parse: urlPath,
    fallback: '/wechat',
  }),
  WECHAT_REQUIRE_AES: variable({
    section: 'webhook',
    description:
      '`true` (or `1`): every POST without `encrypt_type=aes` is refused with 403, for an account already in safe mode; needs `WECHAT_ENCODING_AES_KEY`',
    parse: flag,
    fallback: false,
  }),
  SIGNATURE_MAX_AGE_S: variable({
    section: 'webhook',
    description:
      "a POST whose `timestamp` is more than this many seconds from the server's clock (either way) is refused with 403; `0` turns the check off; not a whole number → configuration error; see [replayed and forged messages](./webhook.md#replayed-and-forged-messages)",
    parse: wholeNumber(0, 86_400),
    fallback: 300,
  }),

  // The account's credentials, for every outbound call.
  WECHAT_APPID: variable({
    section: 'account credentials',
    description:
      "the account's AppID; needed for QR codes, OAuth, customer-service sends, and to check the AppID inside encrypted messages",
    parse: text,
    fallback: undefined,
  }),
  WECHAT_APPSECRET: variable({
    section: 'account credentials',
    description: 'the AppSecret; needed with `WECHAT_APPID` for every outbound API call',
    parse: text,
    fallback: undefined,
    secret: true,
  }),

  // Outbound calls to WeChat's API.
  WECHAT_API_BASE: variable({
    section: 'outbound API',
    description: 'base URL of every outbound API call (a proxy, or a local fake in tests)',
    parse: url(['http:', 'https:']),
    fallback: 'https://api.weixin.qq.com',
  }),
  WECHAT_TOKEN_MODE: variable({
    section: 'outbound API',
    description: '`stable`: `POST /cgi-bin/stable_token`; `token`: the classic `GET /cgi-bin/token`',
    parse: oneOf(['stable', 'token']),
    fallback: 'stable',
  }),

  // Where the server listens.
  PORT: variable({
    section: 'listening',
    description: 'listening port (WeChat only calls 80/443)',
    parse: wholeNumber(1, 65535),
    fallback: 80,
    // So that `npm start` works without root.
    example: '8080',
  }),
  HOST: variable({ section: 'listening', description: 'listening address', parse: text, fallback: '0.0.0.0' }),

  // The admin routes.
  ADMIN_TOKEN: variable({
    section: 'admin',
    description:
      "guards the admin routes (`/api`, `/qrcode`, `/metrics`, `/jssdk/demo`, `/open/authorize`) for every account; at least 16 characters. Unset: only clients on this machine that do not come through a proxy. On `/api`, an account's `api_keys` (`ACCOUNTS_FILE`) also let in, each for its own account",
    parse: adminToken,
    fallback: undefined,
    secret: true,
  }),
  TRUST_PROXY: variable({
    section: 'admin',
    description:
      'addresses or CIDRs (comma-separated) of the reverse proxies whose `X-Forwarded-For` names the client, for counting failed admin logins; unset, every client behind a proxy is the proxy',
    parse: addressRanges,
    fallback: Object.freeze([]),
  }),

  // The pages a user opens: OAuth and the JS-SDK.
  PUBLIC_URL: variable({
    section: 'web pages',
    description: 'the externally visible base URL, used to build the OAuth `redirect_uri`',
    parse: url(['http:', 'https:']),
    fallback: undefined,
  }),
  JSSDK_DOMAINS: variable({
    section: 'web pages',
    description:
      'host names, separated by commas, whose pages may get a JS-SDK signature from `/jssdk/config`: exact names (no `*.`), any port; an entry that is not a host name stops the server',
    parse: hostNames,
    fallback: undefined,
    derivedDefault: 'the host of PUBLIC_URL',
  }),

  // State kept between messages, in this process or in Redis.
  REDIS_URL: variable({
    section: 'shared state',
    description:
      'when set, the access token and its refresh lock, the JS-SDK ticket, the retry de-duplication, the replay signatures, sessions and media ids live in Redis, under `wechat:<AppID>:`, shared by every instance',
    parse: url(['redis:', 'rediss:']),
    fallback: undefined,
    // A URL may carry a password.
    secret: true,
  }),
  RETRY_MEMORY_MB: variable({
    section: 'shared state',
    description:
      'MiB of answers (1–1024) the in-process retry memory keeps, without `REDIS_URL` or while Redis is down; its index adds about half as much; see [retries](./webhook.md#retries)',
    parse: wholeNumber(1, 1024),
    fallback: 8,
  }),
  SESSION_TTL_S: variable({
    section: 'shared state',
    description:
      "how many seconds a user's conversation state (`context.session`) is kept after a handler last read or wrote it; not a whole number from 1 up → configuration error; see [conversation state](./webhook.md#conversation-state)",
    parse: wholeNumber(1, 30 * 86_400),
    fallback: 1800,
  }),

  // Replies.
  REPLIES_FILE: variable({
    section: 'replies',
    description:
      'the replies file (`.yaml`, `.yml` or `.json`); set but empty: none, even where `replies.yaml` exists; see [the replies file](./replies-file.md)',
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
    description: 'how long a handler may take before the passive reply falls back',
    parse: wholeNumber(1, 60_000),
    fallback: 4500,
  }),
  TYPING_AFTER_MS: variable({
    section: 'replies',
    description:
      'after how long a handler still working shows the user “对方正在输入…” (`message/custom/typing`, once per message); `0`: never',
    parse: wholeNumber(0, 60_000),
    fallback: 1000,
  }),

  // The menu command.
  MENU_FILE: variable({
    section: 'menu',
    description: 'the file `npm run menu` checks, pushes and diffs when none is named, and the console’s menu editor edits',
    parse: text,
    fallback: 'menu.json',
  }),

  // Several accounts.
  ACCOUNTS_FILE: variable({
    section: 'several accounts',
    description:
      'the accounts file (YAML or JSON) listing several accounts, each with `${VAR}` references for its secrets; then setting `WECHAT_TOKEN`, `WECHAT_APPID`, `WECHAT_APPSECRET`, `WECHAT_ENCODING_AES_KEY`, `REPLIES_FILE` or `MENU_FILE` too is a configuration error (each account names its own). See [Several accounts](../guide/accounts.md)',
    parse: text,
    fallback: undefined,
    example: 'accounts.yaml',
  }),
  METRICS_ACCOUNT_LABEL: variable({
    section: 'several accounts',
    description:
      'with `ACCOUNTS_FILE` or the open platform, each series of `/metrics` carries `account="<name>"`; `none` drops the label, for very many accounts',
    parse: oneOf(['name', 'none'] as const),
    fallback: 'name',
  }),
  VERIFY_FILES_DIR: variable({
    section: 'web pages',
    description: 'the directory of the `MP_verify_<code>.txt` files WeChat asks a domain to host, served at `/MP_verify_<code>.txt`',
    parse: text,
    fallback: 'verify',
  }),

  // The open platform (第三方平台): accounts that other people authorise.
  WECHAT_COMPONENT_APPID: variable({
    section: 'open platform',
    description:
      "the third-party platform's (第三方平台) AppID; the four `WECHAT_COMPONENT_*` are set together or not at all, and with them `WECHAT_TOKEN` is optional. See [the open platform](../guide/open-platform.md)",
    parse: text,
    fallback: undefined,
  }),
  WECHAT_COMPONENT_SECRET: variable({
    section: 'open platform',
    description:
      "the platform's AppSecret; also the key (through HKDF) that encrypts the authorised accounts' refresh tokens where they are kept",
    parse: text,
    fallback: undefined,
    secret: true,
  }),
  WECHAT_COMPONENT_TOKEN: variable({
    section: 'open platform',
    description: "the platform's message-check Token, which signs the pushes to `/open/events`",
    parse: text,
    fallback: undefined,
    secret: true,
  }),
  WECHAT_COMPONENT_AES_KEY: variable({
    section: 'open platform',
    description: "the platform's 43-character message encryption key",
    parse: aesKey,
    fallback: undefined,
    secret: true,
  }),
  OPEN_STATE_FILE: variable({
    section: 'open platform',
    description:
      "without `REDIS_URL`, the file (mode 0600, replaced atomically) that keeps the platform's ticket and authorised accounts across restarts",
    parse: text,
    fallback: '.open-state.json',
  }),

  ARTICLES_DIR: variable({
    section: 'publishing',
    description:
      'where `/api/articles` finds the article files it is named (a path outside it is refused), and what the records of drafts name files from, for the server and `npm run articles` alike; see [Publishing](../guide/publishing.md)',
    parse: text,
    fallback: 'articles',
  }),
  ARTICLES_STATE_FILE: variable({
    section: 'publishing',
    description:
      "without `REDIS_URL`, the file (mode 0600) where publishing keeps each article file's draft, the images uploaded, the previews and mass sends made, and WeChat's reports; `npm run articles` and the server share it, so run the command where the server runs",
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
