import dotenv from 'dotenv';
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
  dotenv.config({ quiet: true });
  const path = file ?? (process.env.REPLIES_FILE || 'replies.yaml');
  const loaded = loadRepliesFile(path);
  if (!loaded.ok) {
    // A problem quotes the file (a key, a regex's error): one line each, whatever the file holds.
    process.stderr.write(loaded.problems.map((problem) => `${printable(problem)}\n`).join(''));
    return 1;
  }
  const compiled = compileReplies(loaded.data);
  process.stdout.write(`${printable(path)}: ${compiled.summary}\n`);
  if (compiled.mediaFiles.length > 0 && !(process.env.WECHAT_APPID && process.env.WECHAT_APPSECRET)) {
    process.stderr.write(`warning: ${printable(uploadsWithoutCredentials(compiled.mediaFiles))}\n`);
  }
  return 0;
}

process.exitCode = main(process.argv.slice(2));
