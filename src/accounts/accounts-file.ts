import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type * as Zod from 'zod';
import { aesKey, ADMIN_TOKEN_MIN_LENGTH, hostNames, Refusal } from '../core/config-values.js';
import type { Env } from '../core/config-variables.js';
import { lazyRequire } from '../core/lazy-require.js';
import { problemsFrom, type Problem } from '../replies-file/problems.js';
import { readYamlFile } from '../replies-file/load.js';
import { ConfigError } from '../core/errors.js';
import { APP_ID_SPELLING, authorisedAccountSettings, type AccountSettings, type ApiKey } from './account-settings.js';

/** zod: loaded only when an accounts file is read. */
const loadZod = lazyRequire<typeof Zod>('zod');

/** An account's name: in URLs (`WECHAT_PATH/<name>`), logs and metrics labels. */
const ACCOUNT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Far above a real agency's (each account is about ten lines): a bound on what is served. */
const MAX_ACCOUNTS = 1000;

/** What the accounts file is checked against, besides itself. */
export interface AccountsFileContext {
  /** The environment its `${VAR}` references are read from. */
  readonly env: Env;
  /** ADMIN_TOKEN, which no account's API key may equal. */
  readonly adminToken: string | undefined;
  /** WECHAT_REQUIRE_AES and JSSDK_DOMAINS: each account's default. */
  readonly requireAes: boolean;
  readonly jssdkDomains: readonly string[];
  /**
   * The third-party platform, when WECHAT_COMPONENT_* are set: an entry without a token is
   * then an account that authorised it, whose token and key are the platform's.
   */
  readonly component?: { readonly appId: string; readonly token: string; readonly aesKey: string };
}

export type AccountsFileResult =
  { readonly ok: true; readonly accounts: readonly AccountSettings[] } | { readonly ok: false; readonly problems: readonly string[] };

function schema(z: typeof Zod.z) {
  const orMissing =
    (message: string) =>
    (issue: { input?: unknown }): string =>
      issue.input === undefined ? 'is missing' : message;
  const text = (what: string) => z.string({ error: orMissing(`${what} must be text`) }).min(1, `${what} is empty`);
  const parsed = <T>(what: string, parse: (raw: string) => T | Refusal) =>
    text(what).transform((raw, context) => {
      const value = parse(raw);
      if (value instanceof Refusal) {
        context.addIssue({ code: 'custom', message: `${what} ${value.problem}` });
        return z.NEVER;
      }
      return value;
    });
  const key = text('the key');
  const apiKey = z.union([key, z.strictObject({ name: text('name'), key, console: z.boolean().optional() })]);
  const account = z.strictObject({
    name: text('name').regex(ACCOUNT_NAME, "name: letters, digits, '-' and '_' only, at most 64").optional(),
    appid: text('appid').regex(APP_ID_SPELLING, 'appid: letters, digits, - and _ only, at most 64'),
    secret: text('secret').optional(),
    token: text('token').optional(),
    encoding_aes_key: parsed('encoding_aes_key', aesKey).optional(),
    replies_file: text('replies_file').optional(),
    menu_file: text('menu_file').optional(),
    api_keys: z.array(apiKey).max(100).optional(),
    require_aes: z.boolean({ error: 'require_aes must be true or false' }).optional(),
    jssdk_domains: z.array(text('a domain')).max(100).optional(),
  });
  const file = z.strictObject({
    accounts: z
      .array(z.unknown(), { error: orMissing('accounts must be a list') })
      .min(1, 'accounts: list at least one account')
      .max(MAX_ACCOUNTS),
  });
  return { file, account };
}

/**
 * `${VAR}` in every text of the file, read from the environment: a secret stays out of
 * the file. An unset or empty variable is a problem at the place that names it.
 */
function resolveVariables(value: unknown, env: Env, path: (string | number)[], problems: Problem[]): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]{0,127})\}/g, (_match, name: string) => {
      const found = env[name];
      if (found === undefined || found === '') {
        problems.push({ path, message: `\${${name}} is not set (or empty) in the environment` });
        // Kept as written, so that the entry's other checks still run.
        return `\${${name}}`;
      }
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => resolveVariables(item, env, [...path, index], problems));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, resolveVariables(item, env, [...path, name], problems)]));
  }
  return value;
}

/** An unnamed key is `<account>#<index>` in the audit lines. */
function apiKeysOf(name: string, keys: readonly (string | { name: string; key: string; console?: boolean })[]): ApiKey[] {
  return keys.map((entry, index) =>
    typeof entry === 'string'
      ? { name: `${name}#${index}`, key: entry, console: false }
      : { name: entry.name, key: entry.key, console: entry.console ?? false },
  );
}

/**
 * Reads and checks the text of ACCOUNTS_FILE: every problem at once, each one line naming
 * the file, the entry (`accounts[1].name`) and what is wrong. Paths in it are relative to
 * its directory.
 */
function parseAccountsFile(source: string, file: string, context: AccountsFileContext): AccountsFileResult {
  const read = readYamlFile(source, file, 'an accounts file');
  if (!read.ok) return { ok: false, problems: read.problems };
  const problems: Problem[] = [];
  const resolved = resolveVariables(read.value ?? {}, context.env, [], problems);
  const schemas = schema(loadZod().z);
  const result = schemas.file.safeParse(resolved);
  if (!result.success) problems.push(...problemsFrom(result.error.issues));
  // Each entry on its own, so that one entry's mistake does not hide another's.
  type Entry = Zod.infer<typeof schemas.account>;
  const entries: { readonly index: number; readonly entry: Entry }[] = [];
  (result.success ? result.data.accounts : []).forEach((item, index) => {
    const checked = schemas.account.safeParse(item);
    if (checked.success) entries.push({ index, entry: checked.data });
    else problems.push(...problemsFrom(checked.error.issues, ['accounts', index]));
  });
  const directory = dirname(resolve(file));
  const names = new Map<string, number>();
  const appIds = new Map<string, number>();
  const keys = new Map<string, string>();
  const accounts: AccountSettings[] = [];
  entries.forEach(({ entry, index }) => {
    const at = (field: string, message: string, more: (string | number)[] = []): void => {
      problems.push({ path: ['accounts', index, field, ...more], message });
    };
    // An entry without a token is an account that authorised the platform: named by its AppID.
    const authorised = entry.token === undefined;
    const name = entry.name ?? entry.appid;
    if (authorised) {
      if (context.component === undefined) {
        at('token', 'is missing (an entry without a token is an account that authorised the third-party platform: set WECHAT_COMPONENT_*)');
      }
      if (entry.name !== undefined && entry.name !== entry.appid) at('name', "an authorised account's name is its AppID: leave name out");
      for (const field of ['secret', 'encoding_aes_key', 'require_aes'] as const) {
        if (entry[field] !== undefined)
          at(field, `${field}: an authorised account's messages and API go through the platform; leave it out`);
      }
    } else if (entry.name === undefined) {
      at('name', 'is missing');
    }
    const sameName = names.get(name);
    if (sameName !== undefined) at('name', `"${name}" is the name of accounts[${sameName}] too`);
    names.set(name, index);
    const sameAppId = appIds.get(entry.appid);
    if (sameAppId !== undefined) at('appid', `this AppID is accounts[${sameAppId}]'s too`);
    appIds.set(entry.appid, index);
    const domains = entry.jssdk_domains === undefined ? context.jssdkDomains : hostNames(entry.jssdk_domains.join(','));
    if (domains instanceof Refusal) at('jssdk_domains', `jssdk_domains ${domains.problem}`);
    const apiKeys = apiKeysOf(name, entry.api_keys ?? []);
    apiKeys.forEach(({ key }, keyIndex) => {
      const place: (string | number)[] = [keyIndex];
      if (key.length < ADMIN_TOKEN_MIN_LENGTH) {
        at('api_keys', `an API key is ${key.length} characters long; use at least ${ADMIN_TOKEN_MIN_LENGTH}, random`, place);
      } else if (context.adminToken !== undefined && key === context.adminToken) {
        at('api_keys', 'an API key equals ADMIN_TOKEN: give each caller its own', place);
      } else if (keys.has(key)) {
        at('api_keys', `this API key is ${keys.get(key) ?? 'another'}'s too: each key acts for one account`, place);
      }
      keys.set(key, `accounts[${index}]`);
    });
    const requireAes = entry.require_aes ?? context.requireAes;
    if (!authorised && requireAes && entry.encoding_aes_key === undefined) {
      at('require_aes', 'require_aes is true, but encoding_aes_key is not set: safe mode needs the key');
    }
    const files = {
      repliesFile: entry.replies_file === undefined ? undefined : resolve(directory, entry.replies_file),
      menuFile: entry.menu_file === undefined ? undefined : resolve(directory, entry.menu_file),
      jssdkDomains: domains instanceof Refusal ? [] : domains,
      apiKeys,
    };
    const { component } = context;
    if (authorised) {
      if (component !== undefined) accounts.push(authorisedAccountSettings(component, entry.appid, files));
      return;
    }
    accounts.push({
      name,
      appId: entry.appid,
      appSecret: entry.secret,
      token: entry.token ?? '',
      encodingAesKey: entry.encoding_aes_key,
      requireAes,
      ...files,
    });
  });
  // A name may not be another account's AppID: WECHAT_PATH/<x> must name one account.
  entries.forEach(({ entry, index }) => {
    if (entry.name === undefined) return;
    const other = appIds.get(entry.name);
    if (other !== undefined && other !== index) {
      problems.push({ path: ['accounts', index, 'name'], message: `"${entry.name}" is the AppID of accounts[${other}]` });
    }
  });
  if (problems.length > 0) return { ok: false, problems: read.locate(problems) };
  return { ok: true, accounts };
}

/** Reads ACCOUNTS_FILE from disk: a missing or unreadable file is a problem like any other. */
export function loadAccountsFile(file: string, context: AccountsFileContext): AccountsFileResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      problems: [`${file}: ${code === 'ENOENT' ? 'no such file (ACCOUNTS_FILE names it)' : `cannot be read (${code ?? 'error'})`}`],
    };
  }
  return parseAccountsFile(source, file, context);
}

/** The accounts of ACCOUNTS_FILE, or a ConfigError with a line for each problem (for the server and the commands). */
export function readAccountsFile(file: string, context: AccountsFileContext): readonly AccountSettings[] {
  const loaded = loadAccountsFile(file, context);
  if (loaded.ok) return loaded.accounts;
  const [first = `${file}: invalid`, ...more] = loaded.problems;
  throw new ConfigError(
    'ACCOUNTS_FILE',
    first,
    more.map((message) => ({ variable: 'ACCOUNTS_FILE', message })),
  );
}

/** The account named `key`, or else the one with that AppID: how a URL, a selector or `--account` names one. */
export function findAccount<T extends { readonly name: string; readonly appId: string | undefined }>(
  accounts: readonly T[],
  key: string,
): T | undefined {
  return accounts.find((account) => account.name === key) ?? accounts.find((account) => account.appId === key);
}
