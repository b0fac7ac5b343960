import type { AccountSettings } from '../accounts/account-settings.js';
import { readVariables } from '../core/config-variables.js';
import { loadDotenv } from '../core/dotenv.js';
import { ConfigError } from '../core/errors.js';
import { compileReplies } from '../replies-file/compile.js';
import { loadRepliesFile } from '../replies-file/load.js';
import { uploadsWithoutCredentials } from '../replies-file/media-files.js';
import { printable } from './printable.js';
import { UsageError } from './cli-errors.js';
import { accountOption, commandAccount } from './account-option.js';

/**
 * `npm run replies -- check [file]`: validates a replies file without starting anything,
 * for an owner's CI. Exit 0 and a summary, 1 and every problem one a line, 2 on misuse.
 */

const USAGE = [
  'usage: npm run replies -- check [file] [--account NAME]   (default: REPLIES_FILE, or replies.yaml)',
  '  --account NAME: an account of ACCOUNTS_FILE, whose replies_file is the default',
].join('\n');

/** The words of the command line, and `--account`'s value when given. */
function parseArgs(argv: readonly string[]): { readonly words: string[]; readonly account: string | undefined } {
  const words: string[] = [];
  let account: string | undefined;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    const named = accountOption(arg, () => argv[++index]);
    if (named === undefined) words.push(arg);
    else account = named;
  }
  return { words, account };
}

function main(argv: readonly string[]): number {
  let parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${printable(error.message)}\n${USAGE}\n`);
    return 2;
  }
  const { words, account } = parsed;
  const [command, file, ...extra] = words;
  if (command === '--help' || command === '-h') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command !== 'check' || extra.length > 0 || file?.startsWith('-')) {
    process.stderr.write(`${printable(command === undefined ? 'no command' : `unexpected arguments: ${argv.join(' ')}`)}\n${USAGE}\n`);
    return 2;
  }
  const env = loadDotenv();
  let path: string;
  let settings: AccountSettings | undefined;
  try {
    if (account !== undefined) {
      settings = commandAccount(env, account);
      path = file ?? settings.repliesFile ?? 'replies.yaml';
    } else {
      // Set but empty (null), REPLIES_FILE names no file: check replies.yaml, as when unset.
      path = file ?? readVariables(env, ['REPLIES_FILE']).REPLIES_FILE ?? 'replies.yaml';
    }
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${printable(error.message, { lines: true })}\n`);
    return 1;
  }
  const loaded = loadRepliesFile(path);
  if (!loaded.ok) {
    // A problem quotes the file (a key, a regex's error): one line each, whatever the file holds.
    process.stderr.write(loaded.problems.map((problem) => `${printable(problem)}\n`).join(''));
    return 1;
  }
  const compiled = compileReplies(loaded.data);
  process.stdout.write(`${printable(path)}: ${compiled.summary}\n`);
  // Media are uploaded with the account's credentials: --account's, or WECHAT_APPID and
  // WECHAT_APPSECRET; an account that authorised the platform uploads through the platform.
  if (settings?.componentAppId !== undefined) return 0;
  const credentials =
    settings === undefined
      ? readVariables(env, ['WECHAT_APPID', 'WECHAT_APPSECRET'])
      : { WECHAT_APPID: settings.appId, WECHAT_APPSECRET: settings.appSecret };
  if (compiled.mediaFiles.length > 0 && (credentials.WECHAT_APPID === undefined || credentials.WECHAT_APPSECRET === undefined)) {
    process.stderr.write(`warning: ${printable(uploadsWithoutCredentials(compiled.mediaFiles))}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
