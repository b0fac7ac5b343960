import type { AccountSettings } from '../accounts/account-settings.js';
import type { OAuthScope, UserProfile } from '../wechat-api/oauth.js';
import { readVariables, type Env } from '../core/config-variables.js';
import { ConfigError } from '../core/errors.js';
import { RejectedResponseError } from '../testing/rejected-response-error.js';
import { NoResponseError, UsageError } from './cli-errors.js';
import { readAnswer } from './read-answer.js';
import { startFakeOAuthApi, type FakeOAuthApi } from './fake-oauth-api.js';

/**
 * `simulate -- oauth [next] [--base] [--deny]`: web authorization (网页授权) played
 * through on one machine. The simulator is the user's browser and WeChat at once: it
 * opens `/oauth`, checks the authorize URL as WeChat would, plays the user's consent (or
 * refusal) by sending the browser to the `redirect_uri` with a code, and answers the
 * server's code exchange itself, as a fake WeChat listening at WECHAT_API_BASE, which
 * must therefore be an http URL of this machine, for the server and the simulator alike.
 */

export const OAUTH_USAGE = 'oauth [next-path] [--base] [--deny]';

export interface OAuthSimulation {
  /** The webhook URL the simulator was given (`--url`): the server's origin is its origin. */
  readonly url: string;
  /** The user who consents (`--from`). */
  readonly from: string;
  /** The words after `oauth`. */
  readonly args: readonly string[];
  /** The environment (with .env): WECHAT_API_BASE, WECHAT_APPID and WECHAT_APPSECRET. */
  readonly env: Env;
  /** `--account`: an account of ACCOUNTS_FILE, whose AppID and secret replace WECHAT_APPID's and whose pages are asked for. */
  readonly account?: Pick<AccountSettings, 'name' | 'appId' | 'appSecret'> | undefined;
  /** Writes one line for the user (the caller makes it printable). */
  readonly print: (line: string) => void;
}

/** What the user does on WeChat's page, and where the flow should end. */
interface Play {
  readonly next: string | undefined;
  readonly scope: OAuthScope;
  readonly deny: boolean;
}

/** WeChat's authorize page, the only place `/oauth` may send the browser. */
const AUTHORIZE_PAGE = 'https://open.weixin.qq.com/connect/oauth2/authorize';
/** A WeChat `state` is at most 128 bytes. */
const MAX_STATE_BYTES = 128;
/** Bounds on what the simulator reads of the server's answers. */
const REQUEST_TIMEOUT_MS = 10_000;
const MAX_PAGE_LINES = 30;
/** A port for the fake, suggested when WECHAT_API_BASE is WeChat's own. */
const SUGGESTED_API_BASE = 'http://127.0.0.1:8081';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The profile the simulated user consents to share (its openid is `--from`'s). */
function profileOf(openid: string): UserProfile {
  return { openid, nickname: '模拟用户', sex: 0, province: '广东', city: '广州', country: '中国', headimgurl: '' };
}

function parsePlay(args: readonly string[]): Play {
  let next: string | undefined;
  let scope: OAuthScope = 'snsapi_userinfo';
  let deny = false;
  for (const arg of args) {
    if (arg === '--base') scope = 'snsapi_base';
    else if (arg === '--deny') deny = true;
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg} for oauth`);
    else if (next === undefined) next = arg;
    else throw new UsageError(`oauth takes one path to hand the user to, not "${arg}" as well`);
  }
  if (scope === 'snsapi_base' && next === undefined) throw new UsageError('oauth --base hands the openid to a page: give its path');
  return { next, scope, deny };
}

/** WECHAT_API_BASE, which must be where the simulator can answer the server's calls. */
function fakeBase(env: Env): URL {
  const how =
    `set WECHAT_API_BASE=${SUGGESTED_API_BASE} (any free port of this machine) in .env, ` +
    'restart the server, and run this again: while `oauth` runs, the simulator answers there as WeChat';
  const configured = readVariables(env, ['WECHAT_API_BASE']).WECHAT_API_BASE;
  const base = new URL(configured);
  if (base.protocol !== 'http:' || !LOOPBACK_HOSTS.has(base.hostname)) {
    throw new ConfigError('WECHAT_API_BASE', `oauth needs the server's WeChat API on this machine, not "${configured}": ${how}`);
  }
  return base;
}

/** The AppID and secret the fake WeChat knows, and what the messages call the AppID. */
interface Credentials {
  readonly appId: string;
  readonly appSecret: string;
  /** `WECHAT_APPID`, or `shop's appid` with `--account shop`. */
  readonly appIdName: string;
}

function credentials(env: Env, account: OAuthSimulation['account']): Credentials {
  if (account !== undefined) {
    if (account.appId === undefined || account.appSecret === undefined) {
      throw new ConfigError('ACCOUNTS_FILE', `oauth --account ${account.name} needs appid and secret in its entry of ACCOUNTS_FILE`);
    }
    return { appId: account.appId, appSecret: account.appSecret, appIdName: `${account.name}'s appid` };
  }
  const { WECHAT_APPID: appId, WECHAT_APPSECRET: appSecret } = readVariables(env, ['WECHAT_APPID', 'WECHAT_APPSECRET']);
  if (appId === undefined || appSecret === undefined) {
    throw new ConfigError(
      appId ? 'WECHAT_APPSECRET' : 'WECHAT_APPID',
      'oauth needs WECHAT_APPID and WECHAT_APPSECRET, the same for the server and the simulator (any values will do on this machine)',
    );
  }
  return { appId, appSecret, appIdName: 'WECHAT_APPID' };
}

/** The browser's cookies for the server: what Set-Cookie stored, less what it expired. */
class CookieJar {
  readonly #cookies = new Map<string, string>();

  store(response: Response): string[] {
    const names: string[] = [];
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((attribute) => {
        const [key = '', setting = ''] = attribute.split('=').map((part) => part.trim());
        if (/^max-age$/i.test(key)) return Number(setting) <= 0;
        return /^expires$/i.test(key) && Date.parse(setting) <= Date.now();
      });
      if (expired || value === '') this.#cookies.delete(name);
      else {
        this.#cookies.set(name, value);
        names.push(name);
      }
    }
    return names;
  }

  header(): string {
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A GET as the browser makes it: cookies sent, redirects not followed, time bounded. */
async function browse(url: URL, jar: CookieJar): Promise<Response> {
  try {
    return await fetch(url, {
      headers: { Cookie: jar.header(), 'User-Agent': 'wechat-oa-server simulator (MicroMessenger)' },
      redirect: 'manual',
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new NoResponseError(`no answer from ${url.origin} (${cause}): is the server running? (npm start)`);
  }
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ' };

/** What a person reads on an HTML page: its body's text, a line per heading, paragraph or field. */
function pageText(html: string): string[] {
  const body = /<body[^>]*>([\s\S]*)<\/body>/i.exec(html)?.[1] ?? html;
  const text = body
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, '')
    .replace(/<\/dt>/gi, ': ')
    .replace(/<br\s*\/?>|<\/(h\d|p|dd|div|li|tr|title)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity: string, name: string) => {
      if (name.startsWith('#')) {
        const code = name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
        return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
      }
      return ENTITIES[name.toLowerCase()] ?? entity;
    });
  const lines = text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '');
  return lines.length > MAX_PAGE_LINES ? [...lines.slice(0, MAX_PAGE_LINES), '…'] : lines;
}

/**
 * Checks where `/oauth` sent the browser as WeChat's authorize page would, returning
 * the `redirect_uri` and `state` it names.
 */
function checkAuthorizeUrl(
  location: string,
  credentials: Credentials,
  scope: OAuthScope,
  origin: string,
): { redirect: URL; state: string } {
  const { appId, appIdName } = credentials;
  let url: URL;
  try {
    url = new URL(location);
  } catch {
    throw new RejectedResponseError(`/oauth redirected to "${location}", not to WeChat's authorize page`);
  }
  if (`${url.origin}${url.pathname}` !== AUTHORIZE_PAGE) {
    throw new RejectedResponseError(`/oauth redirected to ${url.origin}${url.pathname}, not to WeChat's authorize page ${AUTHORIZE_PAGE}`);
  }
  const query = url.searchParams;
  if (url.hash !== '#wechat_redirect') throw new RejectedResponseError('the authorize URL does not end with #wechat_redirect');
  if (query.get('appid') !== appId) {
    throw new RejectedResponseError(`the authorize URL names appid "${query.get('appid') ?? ''}", not ${appIdName} "${appId}"`);
  }
  if (query.get('response_type') !== 'code') throw new RejectedResponseError('the authorize URL does not ask for response_type=code');
  if (query.get('scope') !== scope) {
    throw new RejectedResponseError(`the authorize URL asks for scope "${query.get('scope') ?? ''}", not ${scope}`);
  }
  const state = query.get('state') ?? '';
  if (state === '' || Buffer.byteLength(state) > MAX_STATE_BYTES) {
    throw new RejectedResponseError(`the authorize URL's state must be 1 to ${MAX_STATE_BYTES} bytes`);
  }
  let redirect: URL;
  try {
    redirect = new URL(query.get('redirect_uri') ?? '');
  } catch {
    throw new RejectedResponseError(`the authorize URL's redirect_uri "${query.get('redirect_uri') ?? ''}" is not a URL`);
  }
  // WeChat sends the browser back only to the account's 网页授权域名: here, the server tried.
  if (redirect.origin !== origin) {
    throw new RejectedResponseError(
      `redirect_uri ${redirect.origin}${redirect.pathname} is not on the server at ${origin} (WeChat says "redirect_uri 参数错误"): ` +
        `set PUBLIC_URL=${origin} for the server to try OAuth on this machine`,
    );
  }
  return { redirect, state };
}

/** The server's page, as its status and text, indented under the request. */
function printPage(print: (line: string) => void, status: number, what: string, html: string): void {
  print(`  ${status} ${what}:`);
  for (const line of pageText(html)) print(`    ${line}`);
}

/**
 * Plays the flow and prints each step. Resolves true when the server did what it
 * promises for what the user did: the profile page or a 302 to `next` with the user
 * named by `/oauth/me`, or the 400 page when the user declined.
 */
export async function simulateOAuth({ url, from, args, env, account, print }: OAuthSimulation): Promise<boolean> {
  const play = parsePlay(args);
  const base = fakeBase(env);
  const known = credentials(env, account);
  const { appId, appSecret } = known;
  let origin: string;
  try {
    origin = new URL(url).origin;
  } catch {
    throw new UsageError(`--url "${url}" is not a URL`);
  }
  let fake: FakeOAuthApi;
  try {
    fake = await startFakeOAuthApi({ base, appId, appSecret, profile: profileOf(from) });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new ConfigError(
      'WECHAT_API_BASE',
      `oauth cannot answer as WeChat at WECHAT_API_BASE ${base.origin} (${code}): it needs a port of its own, where nothing else listens (not the server's)`,
    );
  }
  try {
    return await playFlow({ origin, from, play, credentials: known, accountName: account?.name, fake, print });
  } finally {
    await fake.close();
  }
}

async function playFlow({
  origin,
  from,
  play,
  credentials,
  accountName,
  fake,
  print,
}: {
  origin: string;
  from: string;
  play: Play;
  credentials: Credentials;
  /** `--account`'s: the server's pages are asked for it (`?account=`). */
  accountName: string | undefined;
  fake: FakeOAuthApi;
  print: (line: string) => void;
}): Promise<boolean> {
  const jar = new CookieJar();

  // 1. The browser opens /oauth: a 302 to WeChat's authorize page, and the state cookie.
  const start = new URL('/oauth', origin);
  if (accountName !== undefined) start.searchParams.set('account', accountName);
  if (play.next !== undefined) start.searchParams.set('next', play.next);
  if (play.scope === 'snsapi_base') start.searchParams.set('scope', 'base');
  print(`GET ${start.href}`);
  const started = await browse(start, jar);
  const cookies = jar.store(started);
  const location = started.headers.get('location');
  if (started.status !== 302 || location === null) {
    printPage(print, started.status, 'instead of a redirect to WeChat', await readAnswer(started));
    return false;
  }
  await started.body?.cancel();
  const { redirect, state } = checkAuthorizeUrl(location, credentials, play.scope, origin);
  print(`  302 to WeChat's authorize page (${play.scope}, redirect_uri ${redirect.href})${cookieNote(cookies)}`);

  // 2. WeChat's page: the user agrees (silently for snsapi_base) or declines.
  const callback = new URL(redirect);
  if (play.deny) {
    print(`WeChat: ${from} declines; the browser goes back without a code`);
  } else {
    const agrees = play.scope === 'snsapi_base' ? 'is identified silently (snsapi_base)' : 'allows access to the profile';
    print(`WeChat: ${from} ${agrees}; the browser goes back with a code`);
    callback.searchParams.set('code', fake.consent(play.scope));
  }
  callback.searchParams.set('state', state);

  // 3. The callback: the server exchanges the code with the fake WeChat.
  print(`GET ${redirect.origin}${redirect.pathname}?${play.deny ? '' : 'code=…&'}state=…`);
  const called = await browse(callback, jar);
  const named = jar.store(called);
  for (const call of fake.calls) print(`  the server asked WeChat ${call.path}: ${call.errcode === 0 ? 'ok' : `errcode ${call.errcode}`}`);
  const page = called.status === 302 ? '' : await readAnswer(called);
  if (called.status === 302) await called.body?.cancel();
  if (play.deny) {
    printPage(
      print,
      called.status,
      called.status === 400 ? 'the page for a user who declined' : 'not the 400 page for a user who declined',
      page,
    );
    return called.status === 400;
  }
  if (play.next !== undefined) {
    const target = called.headers.get('location');
    // Compared as URLs: the redirect may percent-encode what `next` wrote as it is.
    if (called.status !== 302 || target === null || new URL(target, origin).href !== new URL(play.next, origin).href) {
      printPage(print, called.status, `instead of a redirect to ${play.next}`, page);
      return false;
    }
    print(`  302 to ${target}: the user is handed over${cookieNote(named)}`);
  } else if (called.status === 200) {
    printPage(print, 200, `the profile page${cookieNote(named)}`, page);
  } else {
    printPage(print, called.status, 'instead of the profile page', page);
    return false;
  }

  // 4. Whom the server now names: what the account's pages get.
  const me = new URL('/oauth/me', origin);
  if (accountName !== undefined) me.searchParams.set('account', accountName);
  print(`GET ${me.href}`);
  const answered = await browse(me, jar);
  const text = await readAnswer(answered);
  print(`  ${answered.status} ${text.length > 500 ? `${text.slice(0, 500)}…` : text}`);
  let openid: unknown;
  try {
    openid = (JSON.parse(text) as { openid?: unknown }).openid;
  } catch {
    openid = undefined;
  }
  if (answered.status !== 200 || openid !== from) {
    print(`  the server should name ${from}, who agreed`);
    return false;
  }
  return true;
}

function cookieNote(names: readonly string[]): string {
  return names.length === 0 ? '' : `; cookie ${names.join(', ')} set`;
}
