import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ACCOUNT_NAME, AES_KEY, APP_ID, TOKEN } from './settings.js';

/**
 * The `ours, 50 accounts` target: our server with an accounts file of 50 accounts, as an
 * agency serving its clients writes one, where the benchmark's account is the last entry
 * and the other 49 have names, AppIDs, tokens and EncodingAESKeys of their own. None names
 * a replies file, so every account answers with the default rules, as `ours` does. It is
 * sent the same echo messages as `ours`, at `WECHAT_PATH/bench`: the figure to hold
 * against `ours` is what serving 49 more accounts adds to each message.
 */

export const ACCOUNTS = 50;

/** One entry of the file; none names a replies file, a menu or a secret (`.env.example` sets no WECHAT_APPSECRET). */
function entry(name: string, appId: string, token: string, aesKey: string): string {
  return `  - name: ${name}\n    appid: ${appId}\n    token: ${token}\n    encoding_aes_key: '${aesKey}'\n`;
}

/** Other account `i` (1 to 49): `shop01`, `wxbenchshop000001`, a token of letters and digits, a key of its own. */
function otherAccount(i: number): string {
  const n = String(i).padStart(2, '0');
  const name = `shop${n}`;
  const digest = createHash('sha256').update(name).digest();
  return entry(name, `wxbenchshop0000${n}`, `shopToken${n}x${digest.toString('hex').slice(0, 12)}`, digest.toString('base64').slice(0, 43));
}

function accountsYaml(): string {
  const others = Array.from({ length: ACCOUNTS - 1 }, (_, i) => otherAccount(i + 1)).join('');
  return `accounts:\n${others}${entry(ACCOUNT_NAME, APP_ID, TOKEN, AES_KEY)}`;
}

/** Writes the accounts file into a fresh temporary folder; `remove` deletes the folder. */
export function writeAccountsFile(): { file: string; remove(): void } {
  const dir = mkdtempSync(join(os.tmpdir(), 'wechat-bench-'));
  const file = join(dir, 'accounts.yaml');
  writeFileSync(file, accountsYaml());
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
