import { readVariables } from '../core/config-variables.js';
import { loadDotenv } from '../core/dotenv.js';
import { ConfigError } from '../core/errors.js';
import { compileReplies } from '../replies-file/compile.js';
import { loadRepliesFile } from '../replies-file/load.js';
import { uploadsWithoutCredentials } from '../replies-file/media-files.js';
import { printable } from './printable.js';

/**
 * `npm run replies -- check [file]`: validates a replies file without starting anything,
 * for an owner's CI. Exit 0 and a summary, 1 and every problem one a line, 2 on misuse.
 */

const USAGE = 'usage: npm run replies -- check [file]   (default: REPLIES_FILE, or replies.yaml)';

function main(argv: readonly string[]): number {
  const [command, file, ...extra] = argv;
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
  try {
    // Set but empty (null), REPLIES_FILE names no file: check replies.yaml, as when unset.
    path = file ?? readVariables(env, ['REPLIES_FILE']).REPLIES_FILE ?? 'replies.yaml';
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
  const credentials = readVariables(env, ['WECHAT_APPID', 'WECHAT_APPSECRET']);
  if (compiled.mediaFiles.length > 0 && (credentials.WECHAT_APPID === undefined || credentials.WECHAT_APPSECRET === undefined)) {
    process.stderr.write(`warning: ${printable(uploadsWithoutCredentials(compiled.mediaFiles))}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
