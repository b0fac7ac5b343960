import dotenv from 'dotenv';
import { readFileSync } from 'node:fs';

/**
 * The account every benchmark target is configured with, and where the webhook lives.
 * The token is letters and digits, as the platform accepts, so our server logs no warning about it.
 */
export const TOKEN = 'benchToken2026';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const APP_ID = 'wxbenchappid000001';
/** The official account's own id (ToUserName of every incoming message). */
export const ACCOUNT = 'gh_benchaccount01';
export const WECHAT_PATH = '/wechat';
/** Its name in the accounts file of the 50-account target, whose webhook is `WECHAT_PATH/<name>`. */
export const ACCOUNT_NAME = 'bench';

/**
 * What a user who copies `.env.example` to `.env` runs with: the reply deadline, the
 * retry memory and the log level (one line per message) among it. Only our server reads
 * these variables; the peers run with their own defaults.
 */
const SHIPPED: Readonly<Record<string, string>> = dotenv.parse(readFileSync(new URL('../.env.example', import.meta.url)));

/**
 * Our server's single account: none of these may be set beside ACCOUNTS_FILE (the server
 * exits 1), where each account's are in its entry.
 */
const SINGLE_ACCOUNT_VARIABLES = [
  'WECHAT_TOKEN',
  'WECHAT_APPID',
  'WECHAT_APPSECRET',
  'WECHAT_ENCODING_AES_KEY',
  'REPLIES_FILE',
  'MENU_FILE',
];

/**
 * The environment a target server is started with: the account and address (plus
 * PORT), over `.env.example` for our server (`shipped`), over this process's environment.
 * With `accountsFile`, ACCOUNTS_FILE names it instead, and the single account's variables
 * are left out, whoever set them.
 */
export function serverEnv(port: number, { shipped, accountsFile }: { shipped: boolean; accountsFile?: string }): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...(shipped ? SHIPPED : {}),
    WECHAT_PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
  };
  if (accountsFile === undefined) {
    delete env.ACCOUNTS_FILE;
    return { ...env, WECHAT_TOKEN: TOKEN, WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APP_ID };
  }
  for (const name of SINGLE_ACCOUNT_VARIABLES) delete env[name];
  return { ...env, ACCOUNTS_FILE: accountsFile };
}

/** What the report says our server ran with. */
export function shippedSummary(): string {
  const shown = ['LOG_LEVEL', 'REPLY_TIMEOUT_MS', 'RETRY_MEMORY_MB', 'REDIS_URL'];
  return shown.map((name) => `${name}=${SHIPPED[name] ?? '(unset)'}`).join(', ');
}
