import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { ConfigError } from './errors.js';

/** Everything the server reads from its environment, validated once at start-up. */
export interface Config {
  readonly token: string;
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
  /**
   * The reverse proxies whose `X-Forwarded-For` names the client (TRUST_PROXY: addresses
   * or CIDRs, comma-separated); empty by default, when every client behind a proxy is
   * the proxy.
   */
  readonly trustProxy: readonly AddressRange[];
}

/** An address or a CIDR block of TRUST_PROXY: `10.0.0.0/8` is `{ network: '10.0.0.0', prefix: 8 }`. */
export interface AddressRange {
  readonly network: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export const DEFAULT_FALLBACK_REPLY = '暂不支持该类型的消息';

type Env = Readonly<Record<string, string | undefined>>;

/** What an outbound API call needs: the part of the configuration the CLI commands read. */
export type ApiConfig = Pick<Config, 'appId' | 'appSecret' | 'apiBase' | 'tokenMode' | 'redisUrl'>;

/**
 * Reads and validates only the outbound API's variables, so that a command such as
 * `npm run menu` works without WECHAT_TOKEN. Throws a ConfigError like loadConfig.
 */
export function loadApiConfig(env: Env): ApiConfig {
  const tokenMode = optional(env, 'WECHAT_TOKEN_MODE') ?? 'stable';
  if (tokenMode !== 'stable' && tokenMode !== 'token') {
    fail('WECHAT_TOKEN_MODE', `must be "stable" or "token", not "${tokenMode}"`);
  }
  return Object.freeze({
    appId: optional(env, 'WECHAT_APPID'),
    appSecret: optional(env, 'WECHAT_APPSECRET'),
    apiBase: url(env, 'WECHAT_API_BASE', ['http:', 'https:']) ?? 'https://api.weixin.qq.com',
    tokenMode,
    redisUrl: url(env, 'REDIS_URL', ['redis:', 'rediss:']),
  });
}

/**
 * Reads and validates the configuration. Throws a ConfigError whose message is one
 * readable line naming the variable; the caller decides how to exit.
 */
export interface LoadConfigOptions {
  /**
   * The replies file when REPLIES_FILE is unset, watched even before it exists (it is
   * picked up when created). `npm start` passes `replies.yaml`; by default there is none.
   */
  readonly defaultRepliesFile?: string;
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): Config {
  const token = optional(env, 'WECHAT_TOKEN');
  if (token === undefined) {
    fail('WECHAT_TOKEN', 'is missing or empty: set it to the Token entered on the platform’s server-configuration page');
  }
  const api = loadApiConfig(env);
  const logLevel = optional(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    fail('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, not "${logLevel}"`);
  }
  const wechatPath = optional(env, 'WECHAT_PATH') ?? '/wechat';
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(wechatPath)) {
    fail('WECHAT_PATH', `must be a URL path starting with "/" (letters, digits, . _ ~ - /), not "${wechatPath}"`);
  }
  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:'])?.replace(/\/+$/, '');

  const encodingAesKey = aesKey(env);
  const requireAes = boolean(env, 'WECHAT_REQUIRE_AES', false);
  if (requireAes && encodingAesKey === undefined) {
    fail('WECHAT_REQUIRE_AES', 'is true, but WECHAT_ENCODING_AES_KEY is not set: safe mode needs the key');
  }

  return Object.freeze({
    token,
    ...api,
    encodingAesKey,
    port: integer(env, 'PORT', 80, 1, 65535),
    host: optional(env, 'HOST') ?? '0.0.0.0',
    wechatPath,
    adminToken: adminToken(env),
    publicUrl,
    jssdkDomains: Object.freeze(jssdkDomains(env, publicUrl)),
    fallbackReply: optional(env, 'FALLBACK_REPLY') ?? DEFAULT_FALLBACK_REPLY,
    replyTimeoutMs: integer(env, 'REPLY_TIMEOUT_MS', 4500, 1, 60_000),
    retryMemoryMb: integer(env, 'RETRY_MEMORY_MB', 8, 1, 1024),
    signatureMaxAgeS: integer(env, 'SIGNATURE_MAX_AGE_S', 300, 0, 86_400),
    sessionTtlS: integer(env, 'SESSION_TTL_S', 1800, 1, 30 * 86_400),
    requireAes,
    logLevel: logLevel as LogLevel,
    repliesFile: repliesFile(env, options.defaultRepliesFile),
    trustProxy: Object.freeze(trustProxy(env)),
  });
}

function fail(variable: string, problem: string): never {
  throw new ConfigError(variable, `${variable} ${problem}`);
}

/** Shorter than this, a token is guessed in seconds (four digits were, in 1.3 s). */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

function adminToken(env: Env): string | undefined {
  const token = optional(env, 'ADMIN_TOKEN');
  if (token !== undefined && token.length < ADMIN_TOKEN_MIN_LENGTH) {
    fail(
      'ADMIN_TOKEN',
      `is ${token.length} characters long; use at least ${ADMIN_TOKEN_MIN_LENGTH}, random (openssl rand -hex 16 makes one), or leave it empty for this machine only`,
    );
  }
  return token;
}

function trustProxy(env: Env): AddressRange[] {
  const entries = (optional(env, 'TRUST_PROXY') ?? '')
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  return entries.map((entry) => {
    const slash = entry.indexOf('/');
    const network = slash === -1 ? entry : entry.slice(0, slash);
    const version = isIP(network);
    const bits = version === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(bits) : entry.slice(slash + 1);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (version === 0 || !(prefix <= bits)) {
      fail('TRUST_PROXY', `has "${entry}", which is not an IP address or a CIDR block (such as 127.0.0.1 or 10.0.0.0/8)`);
    }
    return { network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
  });
}

function optional(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value === '' ? undefined : value;
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    fail(name, `must be a whole number from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = optional(env, name);
  if (raw === undefined) return fallback;
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  fail(name, `must be "true" or "false", not "${raw}"`);
}

function url(env: Env, name: string, protocols: readonly string[]): string | undefined {
  const raw = optional(env, name);
  if (raw === undefined) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    fail(name, `is not a URL: expected ${protocols.map((p) => `${p}//…`).join(' or ')}`);
  }
  if (!protocols.includes(parsed.protocol)) {
    fail(name, `must start with ${protocols.map((p) => `${p}//`).join(' or ')}, not "${parsed.protocol}//"`);
  }
  return raw.replace(/\/+$/, '');
}

function aesKey(env: Env): string | undefined {
  const raw = optional(env, 'WECHAT_ENCODING_AES_KEY');
  if (raw === undefined) return undefined;
  if (!/^[A-Za-z0-9+/]{43}$/.test(raw)) {
    fail(
      'WECHAT_ENCODING_AES_KEY',
      `must be the 43 base64 characters (A–Z, a–z, 0–9, +, /) shown on the platform, not ${raw.length} characters`,
    );
  }
  return raw;
}

function repliesFile(env: Env, fallback: string | undefined): string | undefined {
  // Set but empty says "no replies file", even where the default exists.
  if (env.REPLIES_FILE === '') return undefined;
  const file = optional(env, 'REPLIES_FILE');
  if (file === undefined) return fallback;
  if (!/\.(ya?ml|json)$/i.test(file)) fail('REPLIES_FILE', `must end in .yaml, .yml or .json, not "${file}"`);
  if (!existsSync(file)) fail('REPLIES_FILE', `names ${file}, which does not exist (unset it to answer with the default rules)`);
  return file;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/**
 * JSSDK_DOMAINS: exact host names, compared with a URL's hostname as a browser parses
 * it (lower case, an internationalised name in punycode, IPv6 in brackets).
 */
function jssdkDomains(env: Env, publicUrl: string | undefined): string[] {
  const raw = optional(env, 'JSSDK_DOMAINS');
  if (raw === undefined) return publicUrl === undefined ? [] : [new URL(publicUrl).hostname];
  const hosts: string[] = [];
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const problem = `entries are host names such as example.com (no scheme, port, path or wildcard), not "${entry}"`;
    if (/[\s/\\?#@*%]/.test(entry) || (/:/.test(entry) && !/^\[[0-9a-f:.]+\]$/i.test(entry))) fail('JSSDK_DOMAINS', problem);
    let hostname: string;
    try {
      hostname = new URL(`http://${entry}/`).hostname;
    } catch {
      fail('JSSDK_DOMAINS', problem);
    }
    if (!hostname.startsWith('[') && !DOMAIN_NAME.test(hostname)) fail('JSSDK_DOMAINS', problem);
    hosts.push(hostname);
  }
  if (hosts.length === 0) fail('JSSDK_DOMAINS', 'lists no host name: give at least one, such as example.com, or leave it unset');
  return hosts;
}
