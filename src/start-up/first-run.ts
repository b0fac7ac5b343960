import { randomInt } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkVariables, type Env } from '../core/config-variables.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A token the platform accepts (3–32 letters and digits), of its greatest length. */
export function generateToken(length = 32): string {
  let token = '';
  for (let i = 0; i < length; i++) token += ALPHABET[randomInt(ALPHABET.length)];
  return token;
}

export interface FirstRun {
  /** The directory `.env` belongs in (the working directory). */
  readonly dir: string;
  /** `.env.example` to copy when the directory has none (the package's own). */
  readonly example: URL;
  readonly env: Env;
  /** Whether a person is at the terminal (stdin and stdout are TTYs). */
  readonly interactive: boolean;
}

/**
 * The first `npm start` of a fresh clone, in a terminal, with no `.env` and no
 * WECHAT_TOKEN: writes `.env` from `.env.example` with a fresh token and returns the one
 * line that tells the person what to do with it; otherwise writes nothing and returns
 * undefined. Without a terminal nobody would see the token, so a missing one stays an error.
 */
export function writeDotenvOnFirstRun({ dir, example, env, interactive }: FirstRun): string | undefined {
  const dotenvPath = join(dir, '.env');
  if (!interactive || checkVariables(env, ['WECHAT_TOKEN']).values.WECHAT_TOKEN !== undefined || existsSync(dotenvPath)) return undefined;
  const localExample = join(dir, '.env.example');
  const template = readFileSync(existsSync(localExample) ? localExample : example, 'utf8');
  const token = generateToken();
  const line = `WECHAT_TOKEN=${token}`;
  const text = /^WECHAT_TOKEN=.*$/m.test(template) ? template.replace(/^WECHAT_TOKEN=.*$/m, line) : `${line}\n${template}`;
  // 'wx': never overwrite a .env that appeared meanwhile; 0600: the token is a secret.
  writeFileSync(dotenvPath, text, { flag: 'wx', mode: 0o600 });
  return (
    `First run: wrote .env with WECHAT_TOKEN=${token} — enter this token as the Token on the platform ` +
    '(基本配置 → 服务器配置 → Token, or 接口配置信息 on the test account); npm run simulate uses it too.'
  );
}
