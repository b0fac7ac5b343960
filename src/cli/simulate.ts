#!/usr/bin/env node
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { AccountSettings } from '../accounts/account-settings.js';
import { checkVariables, throwProblems, type Env, type Values } from '../core/config-variables.js';
import { loadDotenv } from '../core/dotenv.js';
import { ConfigError } from '../core/errors.js';
import { RejectedResponseError } from '../testing/rejected-response-error.js';
import { NoResponseError, UsageError } from './cli-errors.js';
import { readAnswer } from './read-answer.js';
import { accountOption, commandAccount } from './account-option.js';
import { printable } from './printable.js';
import { OAUTH_USAGE, simulateOAuth } from './simulate-oauth.js';
import { createWeChatSide, type WeChatSide } from '../testing/wechat-side.js';
import type { CheckedReply } from '../testing/check-answer.js';
import { ACCOUNT, isOpenId, simulatedFields, USAGE, USER } from './message-kinds.js';

/**
 * `npm run simulate -- [--url URL] [--from OPENID] [--aes] [--raw] <kind> [args]`: plays
 * WeChat's server against a running instance, as the user `--from` names. Without a
 * kind, an interactive chat; `oauth` plays web authorization (simulate-oauth.ts). The package
 * installs it as the command `wechat-simulate` (package.json `bin`), run by plain node.
 */

/** How the user ran it: the installed command, or the repository's npm script. */
const COMMAND = basename(process.argv[1] ?? '') === 'wechat-simulate' ? 'wechat-simulate' : 'npm run simulate --';

function usage(): string {
  return [
    `usage: ${COMMAND} [--url URL] [--account NAME] [--from OPENID] [--aes] [--raw] <kind> [args]`,
    `kinds: ${[...USAGE, OAUTH_USAGE].join(' | ')}`,
    'without a kind: an interactive chat, each line sent as a text message',
    `--from: the user who sends (default ${USER}); oauth: see docs/reference.md, "The simulator"`,
    '--account: act as that account of ACCOUNTS_FILE: sign with its token at WECHAT_PATH/<name>; oauth: its AppID, secret and pages',
  ].join('\n');
}

interface Options {
  url: string;
  from: string;
  aes: boolean;
  raw: boolean;
  /** `--account NAME`: an account of ACCOUNTS_FILE to sign as. */
  account: string | undefined;
  kind: string | undefined;
  args: string[];
}

/** The options; `url` undefined without `--url`. */
function parseArgs(argv: string[]): Omit<Options, 'url'> & { url: string | undefined } {
  let url: string | undefined;
  const options: Omit<Options, 'url'> = {
    from: USER,
    aes: false,
    raw: false,
    account: undefined,
    kind: undefined,
    args: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const account = options.kind === undefined ? accountNamed(arg, () => argv[++i]) : undefined;
    if (options.kind !== undefined) options.args.push(arg);
    else if (account !== undefined) options.account = account;
    else if (arg === '--aes') options.aes = true;
    else if (arg === '--raw') options.raw = true;
    else if (arg === '--url') url = argv[++i] ?? '';
    else if (arg.startsWith('--url=')) url = arg.slice('--url='.length);
    else if (arg === '--from') options.from = argv[++i] ?? '';
    else if (arg.startsWith('--from=')) options.from = arg.slice('--from='.length);
    else if (arg === '--help' || arg === '-h') fail(usage(), 0);
    else if (arg.startsWith('--')) fail(`unknown option ${arg}\n${usage()}`);
    else options.kind = arg;
  }
  if (!isOpenId(options.from)) fail(`--from "${options.from}" is not an openid: 1 to 64 letters, digits, - and _\n${usage()}`, 2);
  return { ...options, url };
}

/** `--account`'s value when `arg` is the option; a usage error when it names no account. */
function accountNamed(arg: string, next: () => string | undefined): string | undefined {
  try {
    return accountOption(arg, next);
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message}\n${usage()}`, 2);
    throw error;
  }
}

/** Writes lines that may hold the server's answer: through printable, so no escape sequence reaches the terminal. */
function print(stream: NodeJS.WriteStream, text: string): void {
  stream.write(`${printable(text, { lines: true })}\n`);
}

function fail(message: string, code = 1): never {
  print(code === 0 ? process.stdout : process.stderr, message);
  process.exit(code);
}

/** Where the server is, WeChat's side of the webhook (none for oauth) and, with `--account`, the account. */
interface Settings {
  readonly url: string;
  readonly wechat: WeChatSide | undefined;
  readonly account?: AccountSettings;
}

/**
 * What the simulator reads of the environment, every problem at once: where the server
 * is (without `--url`: PORT and WECHAT_PATH, on this machine) and, unless it plays OAuth
 * (which reads its own variables), the keys a message is signed with.
 */
function readSettings(env: Env, parsed: ReturnType<typeof parseArgs>): Settings {
  if (parsed.account !== undefined) return accountSettings(env, parsed, commandAccount(env, parsed.account));
  const place = parsed.url === undefined ? checkVariables(env, ['PORT', 'WECHAT_PATH']) : undefined;
  const signing = parsed.kind === 'oauth' ? undefined : checkVariables(env, ['WECHAT_TOKEN', 'WECHAT_ENCODING_AES_KEY', 'WECHAT_APPID']);
  const problems = [...(place?.problems ?? []), ...(signing?.problems ?? [])];
  if (problems.length > 0) throwProblems(problems);
  return {
    url: place === undefined ? (parsed.url ?? '') : `http://127.0.0.1:${place.values.PORT}${place.values.WECHAT_PATH}`,
    wechat: signing === undefined ? undefined : wechatSideFrom(signing.values, parsed.aes),
  };
}

/**
 * With `--account`: the account's webhook (without `--url`, WECHAT_PATH/<name> on this
 * machine) and its keys, from ACCOUNTS_FILE; for oauth, the account alone (its AppID and
 * secret, and its name for the server's pages).
 */
function accountSettings(env: Env, parsed: ReturnType<typeof parseArgs>, account: AccountSettings): Settings {
  if (account.componentAppId !== undefined) {
    fail(
      `simulate --account ${account.name}: an account that authorised the platform gets its messages at /open/messages/<appid>, where simulate does not post yet`,
    );
  }
  const place = parsed.url === undefined ? checkVariables(env, ['PORT', 'WECHAT_PATH']) : undefined;
  if (place !== undefined && place.problems.length > 0) throwProblems(place.problems);
  if (parsed.kind === 'oauth') {
    return {
      url: place === undefined ? (parsed.url ?? '') : `http://127.0.0.1:${place.values.PORT}${place.values.WECHAT_PATH}`,
      wechat: undefined,
      account,
    };
  }
  if (parsed.aes && account.encodingAesKey === undefined)
    fail(`--aes needs encoding_aes_key in account ${account.name}'s entry of ACCOUNTS_FILE`);
  return {
    url: place === undefined ? (parsed.url ?? '') : `http://127.0.0.1:${place.values.PORT}${place.values.WECHAT_PATH}/${account.name}`,
    wechat: createWeChatSide({
      token: account.token,
      appId: account.appId ?? 'wx_simulated_appid',
      encodingAesKey: parsed.aes ? account.encodingAesKey : undefined,
      account: ACCOUNT,
      user: USER,
    }),
  };
}

/** WeChat's side of the webhook, with the account's settings. */
function wechatSideFrom(values: Values<'WECHAT_TOKEN' | 'WECHAT_ENCODING_AES_KEY' | 'WECHAT_APPID'>, aes: boolean): WeChatSide {
  // Never empty: WECHAT_TOKEN is required, so checkVariables reported it missing.
  const token = values.WECHAT_TOKEN ?? '';
  const key = values.WECHAT_ENCODING_AES_KEY;
  if (aes && key === undefined) fail('--aes needs WECHAT_ENCODING_AES_KEY (43 characters) in .env or the environment');
  return createWeChatSide({
    token,
    appId: values.WECHAT_APPID ?? 'wx_simulated_appid',
    encodingAesKey: aes ? key : undefined,
    account: ACCOUNT,
    user: USER,
  });
}

async function exchange(url: string, xml: string, wechat: WeChatSide, from: string): Promise<CheckedReply> {
  const { query, body } = wechat.signRequest(xml, { user: from });
  try {
    // WeChat follows no redirect and waits 5 s for the whole answer.
    const response = await fetch(`${url}?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(5000),
    });
    return wechat.checkReply(response.status, await readAnswer(response), { user: from });
  } catch (error) {
    if (error instanceof RejectedResponseError) throw error;
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new NoResponseError(`no answer from ${url} (${cause}): is the server running? (npm start)`);
  }
}

const HEADER_FIELDS = new Set(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType']);

function show(response: CheckedReply, raw: boolean): string {
  if (response.reply === undefined) return '(no reply: the server answered "success")';
  const lines = [`reply: ${String(response.reply.MsgType)}`];
  for (const [name, value] of Object.entries(response.reply)) {
    if (HEADER_FIELDS.has(name)) continue;
    lines.push(`  ${name}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  if (raw) lines.push('', response.xml);
  return lines.join('\n');
}

/** One line of the chat for a response: the text of a text reply, otherwise its fields. */
function chatLine(response: CheckedReply, raw: boolean): string {
  const content = response.reply?.Content;
  if (typeof content === 'string' && !raw) return content;
  return show(response, raw).replaceAll('\n', '\n  ');
}

/**
 * Each line typed is sent as a text message: `> ` is the user, `< ` the account. In a
 * terminal `> ` is the prompt, so the line typed stays on screen; piped input is echoed.
 */
async function chat(options: Options, wechat: WeChatSide): Promise<void> {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const as = options.from === USER ? '' : ` as ${options.from}`;
  print(process.stdout, `Chatting with ${options.url}${as}${options.aes ? ' in safe mode' : ''}. Type a message; Ctrl-D to quit.`);
  const lines = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty, prompt: '> ' });
  if (tty) lines.prompt();
  for await (const line of lines) {
    if (line.trim() !== '') {
      if (!tty) print(process.stdout, `> ${line}`);
      try {
        const response = await exchange(
          options.url,
          wechat.messageXml({ MsgType: 'text', Content: line }, { user: options.from }),
          wechat,
          options.from,
        );
        print(process.stdout, `< ${chatLine(response, options.raw)}`);
      } catch (error) {
        const prefix = error instanceof RejectedResponseError ? 'WeChat would not accept this answer: ' : '';
        print(process.stdout, `! ${prefix}${(error as Error).message}`);
      }
    }
    if (tty) lines.prompt();
  }
  if (tty) process.stdout.write('\n');
}

/** `oauth`: exit 0 when the server did what it promises for what the user did, 1 otherwise. */
async function oauth(options: Options, env: Env, account: AccountSettings | undefined): Promise<void> {
  try {
    const print = (line: string) => process.stdout.write(`${printable(line)}\n`);
    const kept = await simulateOAuth({ url: options.url, from: options.from, args: options.args, env, account, print });
    if (!kept) process.exitCode = 1;
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message}\n${usage()}`, 2);
    if (error instanceof RejectedResponseError) fail(`WeChat would not accept this: ${error.message}`);
    if (error instanceof NoResponseError) fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  const env = loadDotenv();
  const parsed = parseArgs(process.argv.slice(2));
  const { url, wechat, account } = readSettings(env, parsed);
  const options: Options = { ...parsed, url };
  if (wechat === undefined) {
    // `oauth`, which signs no message.
    await oauth(options, env, account);
    return;
  }
  if (options.kind === undefined) {
    await chat(options, wechat);
    return;
  }
  const fields = simulatedFields(options.kind, options.args);
  if (fields === undefined) fail(`cannot build "${[options.kind, ...options.args].join(' ')}"\n${usage()}`, 2);
  try {
    print(
      process.stdout,
      show(await exchange(options.url, wechat.messageXml(fields, { user: options.from }), wechat, options.from), options.raw),
    );
  } catch (error) {
    if (error instanceof RejectedResponseError) fail(`WeChat would not accept this answer: ${error.message}`);
    if (error instanceof NoResponseError) fail(error.message);
    throw error;
  }
}

try {
  await main();
} catch (error) {
  // A variable that is missing or malformed: a line for each, no stack trace.
  if (error instanceof ConfigError) fail(error.message);
  throw error;
}
