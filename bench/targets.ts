import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ACCOUNT_NAME, WECHAT_PATH } from './settings.js';

/**
 * The server processes compared; each serves plaintext and safe mode (bare: the least work of each, the floor).
 * `ours-keywords` is our server again, with a replies file of 100 keyword rules;
 * `ours-accounts` is our server again, with an accounts file of 50 accounts;
 * `ours-console` is our server again, with a console signed in and reading the live stream.
 */
export type ServerName = 'ours' | 'ours-keywords' | 'ours-accounts' | 'ours-console' | 'node-webot' | 'co-wechat' | 'bare';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const script = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
/** Servers run here: a folder without a .env, so a developer's .env cannot change them. */
export const SERVERS_DIR = script('./servers/');

/** Node's flags in what `npm start` runs (`node <flags> dist/server.js`): our server runs with them here too. */
export function startFlags(packageJson: string = readFileSync(new URL('../package.json', import.meta.url), 'utf8')): string[] {
  const { scripts } = JSON.parse(packageJson) as { scripts?: Record<string, string> };
  const command = /\bnode((?: --[^\s]+)*) dist\/server\.js\b/.exec(scripts?.start ?? '');
  if (command === null) throw new Error('npm start does not run node … dist/server.js');
  return (command[1] ?? '').split(' ').filter((flag) => flag !== '');
}

const OURS = [...startFlags(), fileURLToPath(new URL('../dist/server.js', import.meta.url))];

/** `node <args>` for each server. */
export const SERVER_ARGS: Readonly<Record<ServerName, readonly string[]>> = {
  ours: OURS,
  'ours-keywords': OURS,
  'ours-accounts': OURS,
  'ours-console': OURS,
  'node-webot': [script('./servers/node-webot.mjs')],
  'co-wechat': [script('./servers/co-wechat.mjs')],
  bare: [script('./servers/bare.mjs')],
};

/** Where each server answers the benchmark account: with several accounts, at `WECHAT_PATH/<name>`. */
export const WEBHOOK_PATH: Readonly<Record<ServerName, string>> = {
  ours: WECHAT_PATH,
  'ours-keywords': WECHAT_PATH,
  'ours-accounts': `${WECHAT_PATH}/${ACCOUNT_NAME}`,
  'ours-console': WECHAT_PATH,
  'node-webot': WECHAT_PATH,
  'co-wechat': WECHAT_PATH,
  bare: WECHAT_PATH,
};

/**
 * What a target is sent: `echo`, a text message every server answers with its own
 * Content; `keyword`, a text message a late rule of the replies file answers.
 */
export type Load = 'echo' | 'keyword';

/** One line of the table: a server in one mode, under one load. */
export interface Target {
  readonly label: string;
  readonly server: ServerName;
  readonly safe: boolean;
  readonly load: Load;
}

export const KEYWORD_LABEL = 'ours, 100 keyword rules';
export const ACCOUNTS_LABEL = 'ours, 50 accounts';
export const CONSOLE_LABEL = 'ours, a console watching';

export const TARGETS: readonly Target[] = [
  { label: 'ours', server: 'ours', safe: false, load: 'echo' },
  { label: 'node-webot', server: 'node-webot', safe: false, load: 'echo' },
  { label: 'co-wechat', server: 'co-wechat', safe: false, load: 'echo' },
  { label: 'bare', server: 'bare', safe: false, load: 'echo' },
  { label: KEYWORD_LABEL, server: 'ours-keywords', safe: false, load: 'keyword' },
  { label: ACCOUNTS_LABEL, server: 'ours-accounts', safe: false, load: 'echo' },
  { label: CONSOLE_LABEL, server: 'ours-console', safe: false, load: 'echo' },
  { label: 'ours --aes', server: 'ours', safe: true, load: 'echo' },
  { label: 'node-webot aes', server: 'node-webot', safe: true, load: 'echo' },
  { label: 'co-wechat aes', server: 'co-wechat', safe: true, load: 'echo' },
  { label: 'bare aes', server: 'bare', safe: true, load: 'echo' },
];
