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

/**
 * What a user who copies `.env.example` to `.env` runs with: the reply deadline, the
 * retry memory and the log level (one line per message) among it. Only our server reads
 * these variables; the peers run with their own defaults.
 */
const SHIPPED: Readonly<Record<string, string>> = dotenv.parse(readFileSync(new URL('../.env.example', import.meta.url)));

/**
 * The environment a target server is started with: the account and address (plus
 * PORT), over `.env.example` for our server (`shipped`), over this process's environment.
 */
export function serverEnv(port: number, { shipped }: { shipped: boolean }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    ...(shipped ? SHIPPED : {}),
    WECHAT_TOKEN: TOKEN,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    WECHAT_APPID: APP_ID,
    WECHAT_PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    NODE_ENV: 'production',
  };
}

/** What the report says our server ran with. */
export function shippedSummary(): string {
  const shown = ['LOG_LEVEL', 'REPLY_TIMEOUT_MS', 'RETRY_MEMORY_MB', 'REDIS_URL'];
  return shown.map((name) => `${name}=${SHIPPED[name] ?? '(unset)'}`).join(', ');
}
