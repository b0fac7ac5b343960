#!/usr/bin/env node
import dotenv from 'dotenv';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import { createMessageCipher } from '../protocol/cipher.js';
import { ConfigError } from '../core/errors.js';
import { NoResponseError, RejectedResponseError, UsageError } from './cli-errors.js';
import { printable } from './printable.js';
import { OAUTH_USAGE, simulateOAuth } from './simulate-oauth.js';
import { buildMessage, checkResponseAsWeChat, isOpenId, signRequest, USAGE, USER, type CheckedResponse, type Keys } from './wechat-side.js';

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
    `usage: ${COMMAND} [--url URL] [--from OPENID] [--aes] [--raw] <kind> [args]`,
    `kinds: ${[...USAGE, OAUTH_USAGE].join(' | ')}`,
    'without a kind: an interactive chat, each line sent as a text message',
    `--from: the user who sends (default ${USER}); oauth: see docs/reference.md, "The simulator"`,
  ].join('\n');
}

interface Options {
  url: string;
  from: string;
  aes: boolean;
  raw: boolean;
  kind: string | undefined;
  args: string[];
}

function parseArgs(argv: string[], env: NodeJS.ProcessEnv): Options {
  const options: Options = {
    url: `http://127.0.0.1:${env.PORT || '80'}${env.WECHAT_PATH || '/wechat'}`,
    from: USER,
    aes: false,
    raw: false,
    kind: undefined,
    args: [],
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (options.kind !== undefined) options.args.push(arg);
    else if (arg === '--aes') options.aes = true;
    else if (arg === '--raw') options.raw = true;
    else if (arg === '--url') options.url = argv[++i] ?? '';
    else if (arg.startsWith('--url=')) options.url = arg.slice('--url='.length);
    else if (arg === '--from') options.from = argv[++i] ?? '';
    else if (arg.startsWith('--from=')) options.from = arg.slice('--from='.length);
    else if (arg === '--help' || arg === '-h') fail(usage(), 0);
    else if (arg.startsWith('--')) fail(`unknown option ${arg}\n${usage()}`);
    else options.kind = arg;
  }
  if (!isOpenId(options.from)) fail(`--from "${options.from}" is not an openid: 1 to 64 letters, digits, - and _\n${usage()}`, 2);
  return options;
}

/** Writes lines that may hold the server's answer: through printable, so no escape sequence reaches the terminal. */
function print(stream: NodeJS.WriteStream, text: string): void {
  stream.write(`${printable(text, { lines: true })}\n`);
}

function fail(message: string, code = 1): never {
  print(code === 0 ? process.stdout : process.stderr, message);
  process.exit(code);
}

function keysFrom(env: NodeJS.ProcessEnv, aes: boolean): Keys {
  const token = env.WECHAT_TOKEN;
  if (!token) fail('WECHAT_TOKEN is not set: run npm start once in a terminal (it writes .env), or set it in .env or the environment');
  const key = env.WECHAT_ENCODING_AES_KEY;
  if (aes && !key) fail('--aes needs WECHAT_ENCODING_AES_KEY (43 characters) in .env or the environment');
  return {
    token,
    appId: env.WECHAT_APPID || 'wx_simulated_appid',
    cipher: aes && key ? createMessageCipher(key) : undefined,
  };
}

async function exchange(url: string, xml: string, keys: Keys, from: string): Promise<CheckedResponse> {
  const { query, body } = signRequest(xml, keys, from);
  let response: Response;
  try {
    response = await fetch(`${url}?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body,
      signal: AbortSignal.timeout(5000),
    });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
    throw new NoResponseError(`no answer from ${url} (${cause}): is the server running? (npm start)`);
  }
  return checkResponseAsWeChat(response.status, await response.text(), keys, from);
}

const HEADER_FIELDS = new Set(['ToUserName', 'FromUserName', 'CreateTime', 'MsgType']);

function show(response: CheckedResponse, raw: boolean): string {
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
function chatLine(response: CheckedResponse, raw: boolean): string {
  const content = response.reply?.Content;
  if (typeof content === 'string' && !raw) return content;
  return show(response, raw).replaceAll('\n', '\n  ');
}

/**
 * Each line typed is sent as a text message: `> ` is the user, `< ` the account. In a
 * terminal `> ` is the prompt, so the line typed stays on screen; piped input is echoed.
 */
async function chat(options: Options, keys: Keys): Promise<void> {
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const as = options.from === USER ? '' : ` as ${options.from}`;
  print(process.stdout, `Chatting with ${options.url}${as}${options.aes ? ' in safe mode' : ''}. Type a message; Ctrl-D to quit.`);
  const lines = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, terminal: tty, prompt: '> ' });
  if (tty) lines.prompt();
  for await (const line of lines) {
    if (line.trim() !== '') {
      if (!tty) print(process.stdout, `> ${line}`);
      try {
        const response = await exchange(options.url, buildMessage('text', [line], options.from) ?? '', keys, options.from);
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
async function oauth(options: Options): Promise<void> {
  try {
    const print = (line: string) => process.stdout.write(`${printable(line)}\n`);
    const kept = await simulateOAuth({ url: options.url, from: options.from, args: options.args, env: process.env, print });
    if (!kept) process.exitCode = 1;
  } catch (error) {
    if (error instanceof UsageError) fail(`${error.message}\n${usage()}`, 2);
    if (error instanceof RejectedResponseError) fail(`WeChat would not accept this: ${error.message}`);
    if (error instanceof ConfigError || error instanceof NoResponseError) fail(error.message);
    throw error;
  }
}

async function main(): Promise<void> {
  dotenv.config({ quiet: true });
  const options = parseArgs(process.argv.slice(2), process.env);
  if (options.kind === 'oauth') {
    await oauth(options);
    return;
  }
  const keys = keysFrom(process.env, options.aes);
  if (options.kind === undefined) {
    await chat(options, keys);
    return;
  }
  const xml = buildMessage(options.kind, options.args, options.from);
  if (xml === undefined) fail(`cannot build "${[options.kind, ...options.args].join(' ')}"\n${usage()}`, 2);
  try {
    print(process.stdout, show(await exchange(options.url, xml, keys, options.from), options.raw));
  } catch (error) {
    if (error instanceof RejectedResponseError) fail(`WeChat would not accept this answer: ${error.message}`);
    if (error instanceof NoResponseError) fail(error.message);
    throw error;
  }
}

await main();
