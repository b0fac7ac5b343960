import { readFile } from 'node:fs/promises';
import { deleteMenu, getMenu, NO_MENU, pushMenu, type MenuGetAnswer } from '../wechat-api/menu.js';
import { loadApiConfig } from '../core/config.js';
import { readVariables } from '../core/config-variables.js';
import { loadDotenv } from '../core/dotenv.js';
import { WeChatApiError } from '../core/errors.js';
import { UsageError } from './cli-errors.js';
import { failureText } from './command-failure.js';
import { accountApiConfig, accountOption, commandAccount } from './account-option.js';
import { checkMenu, formatProblems, type MenuCheck, type MenuProblem } from '../menu/check.js';
import { diffMenus, formatDifferences } from '../menu/diff.js';
import { MENU_ERRCODES } from '../menu/errcodes.js';
import { canonicalMenu, menuFromGet } from '../menu/normalise.js';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../core/json-depth.js';
import { openCommandApi, withApi, type CommandApi, type CommandApiConfig } from './open-api.js';
import { printable } from './printable.js';
import { writeFileAtomically } from '../core/write-file-atomically.js';

/**
 * `npm run menu -- check|push|pull|diff|delete`: the account's custom menu as a file.
 * Exit status: 0 done (or no difference), 1 problems, differences or a WeChat errcode,
 * 2 a usage error (including `delete` without `--yes`).
 */

const USAGE = `usage: npm run menu -- <command> [file] [--account NAME]
  check [file]   check the menu file against WeChat's limits (no network)
  push [file]    check, then set the menu and replace the personalised menus
  pull [--out FILE]
                 print the account's menus as a menu file, or write them to FILE
                 (only when WeChat answers with a menu; FILE is replaced at once)
  diff [file]    compare the file with the account's menus
  delete --yes   delete the menu and every personalised menu
--account NAME  act for that account of ACCOUNTS_FILE: its AppID and secret, its menu_file
                (an account that authorised the platform, by its AppID: its authorizer token)
file: MENU_FILE (with --account, the account's menu_file), or menu.json
exit status: 0 done or no difference; 1 problems, differences or a WeChat errcode; 2 usage`;

type Command = 'check' | 'push' | 'pull' | 'diff' | 'delete';
const COMMANDS: readonly Command[] = ['check', 'push', 'pull', 'diff', 'delete'];
const TAKES_FILE: readonly Command[] = ['check', 'push', 'diff'];

interface Invocation {
  readonly command: Command;
  /** The file named after the command, if any. */
  readonly file: string | undefined;
  /** `--account NAME`: an account of ACCOUNTS_FILE. */
  readonly account: string | undefined;
  readonly yes: boolean;
  /** `pull --out FILE`: where the menu file is written, instead of stdout. */
  readonly out: string | undefined;
}

// Every line goes through printable: what WeChat or a file says never reaches the terminal raw.
const out = (text: string): void => void process.stdout.write(`${printable(text, { lines: true })}\n`);
const err = (text: string): void => void process.stderr.write(`${printable(text, { lines: true })}\n`);
const TOO_DEEP = `nested deeper than ${MAX_JSON_DEPTH} levels`;

function parseArgs(argv: readonly string[]): Invocation | 'help' {
  let yes = false;
  let outFile: string | undefined;
  let account: string | undefined;
  const words: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    const named = accountOption(arg, () => argv[++index]);
    if (named !== undefined) account = named;
    else if (arg === '--yes' || arg === '-y') yes = true;
    else if (arg === '--out' || arg.startsWith('--out=')) {
      outFile = arg === '--out' ? argv[++index] : arg.slice('--out='.length);
      if (outFile === undefined || outFile === '') throw new UsageError('--out needs a file name');
    } else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else words.push(arg);
  }
  const [word, file, ...extra] = words;
  if (word === undefined) throw new UsageError('no command');
  const command = COMMANDS.find((known) => known === word);
  if (command === undefined) throw new UsageError(`unknown command "${word}"`);
  if (extra.length > 0 || (file !== undefined && !TAKES_FILE.includes(command))) {
    throw new UsageError(`too many arguments for ${command}`);
  }
  if (outFile !== undefined && command !== 'pull') throw new UsageError(`--out is for pull, not ${command}`);
  return { command, file, account, yes, out: outFile };
}

/** What the command acts on: the menu file and the API's settings, those of `--account` when named. */
function target(invocation: Invocation, env: NodeJS.ProcessEnv): { readonly file: string; readonly api: () => CommandApiConfig } {
  if (invocation.account === undefined) {
    return { file: invocation.file ?? readVariables(env, ['MENU_FILE']).MENU_FILE, api: () => loadApiConfig(env) };
  }
  const account = commandAccount(env, invocation.account);
  return { file: invocation.file ?? account.menuFile ?? 'menu.json', api: () => accountApiConfig(env, account) };
}

/** The file's JSON, or the problem that keeps it from being read. */
async function readMenuFile(file: string): Promise<{ readonly value: unknown } | { readonly problem: MenuProblem }> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file (set MENU_FILE or the account’s menu_file, or name the file after the command)'
        : (code ?? 'unreadable');
    return { problem: { path: '(file)', message: reason } };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: { path: '(file)', message: `is not JSON: ${printable((error as Error).message)}` } };
  }
  return nestedDeeperThan(value) ? { problem: { path: '(file)', message: TOO_DEEP } } : { value };
}

/** `menu/get`'s answer; undefined, said on stderr (with `then` after it), when it is too deep to walk. */
async function menuOnWeChat(api: CommandApi, then = ''): Promise<{ readonly answer: MenuGetAnswer | undefined } | undefined> {
  const answer = await getMenu(api.client);
  if (!nestedDeeperThan(answer)) return { answer };
  err(`menu/get: WeChat's answer is ${TOO_DEEP}; not read${then}`);
  return undefined;
}

async function checkFile(file: string): Promise<MenuCheck> {
  const read = await readMenuFile(file);
  return 'problem' in read ? { ok: false, problems: [read.problem] } : checkMenu(read.value);
}

function check(file: string, result: MenuCheck): number {
  if (result.ok) {
    out(`${file}: no problems`);
    return 0;
  }
  out(`${file}: ${result.problems.length} problem${result.problems.length === 1 ? '' : 's'}`);
  out(formatProblems(result.problems));
  return 1;
}

async function push(api: CommandApi, result: MenuCheck & { ok: true }): Promise<number> {
  const { menu } = result;
  const onWeChat = await menuOnWeChat(api);
  if (onWeChat === undefined) return 1;
  await pushMenu(api.client, menu, onWeChat.answer, (step) => {
    if (step.step === 'create') out(`menu/create: the menu, ${step.buttons} top-level button${step.buttons === 1 ? '' : 's'}`);
    else if (step.step === 'delconditional') out(`menu/delconditional: personalised menu ${printable(step.menuid)}`);
    else out(`menu/addconditional: conditional[${step.index}] is menuid ${printable(step.menuid)}`);
  });
  const conditional = menu.conditional ?? [];
  out(`pushed the menu and ${conditional.length} personalised menu${conditional.length === 1 ? '' : 's'}`);
  return 0;
}

/** What stops a `pull` from writing: said after the reason, so that the user knows FILE is untouched. */
const notWritten = (file: string | undefined): string => (file === undefined ? '' : `; ${file} not written`);

/** Prints the account's menus as a menu file, or writes them to `file` (only then, and atomically). */
async function pull(api: CommandApi, file: string | undefined): Promise<number> {
  const onWeChat = await menuOnWeChat(api, notWritten(file));
  if (onWeChat === undefined) return 1;
  const { answer } = onWeChat;
  if (answer === undefined) {
    err(
      `the account has no menu yet (menu/get answered errcode ${NO_MENU})${notWritten(file)}; to start one: ` +
        '`npm run menu -- check menu.example.json`, then `npm run menu -- push menu.example.json`',
    );
    return 1;
  }
  const menu = menuFromGet(answer);
  // The file is what stdout would show, so `pull --out FILE` and `pull > FILE` agree.
  const text = `${printable(JSON.stringify(menu, null, 2), { lines: true })}\n`;
  if (file === undefined) {
    process.stdout.write(text);
    return 0;
  }
  try {
    await writeFileAtomically(file, text);
  } catch (error) {
    err(`could not write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return 1;
  }
  const personalised = menu.conditional?.length ?? 0;
  out(
    `wrote ${file}: ${menu.button.length} top-level button${menu.button.length === 1 ? '' : 's'}, ` +
      `${personalised} personalised menu${personalised === 1 ? '' : 's'}`,
  );
  return 0;
}

async function run(invocation: Invocation, file: string, openApi: () => Promise<CommandApi>): Promise<number> {
  const { command } = invocation;
  if (command === 'delete' && !invocation.yes) {
    err('delete would remove the account’s menu and every personalised menu (menu/delete).');
    err('Run `npm run menu -- delete --yes` to do it; `npm run menu -- pull --out backup.json` keeps a copy first.');
    return 2;
  }
  if (command === 'check') return check(file, await checkFile(file));
  if (command === 'push') {
    const result = await checkFile(file);
    if (!result.ok) return check(file, result);
    return withApi(openApi, (api) => push(api, result));
  }
  if (command === 'diff') {
    const read = await readMenuFile(file);
    if ('problem' in read) return check(file, { ok: false, problems: [read.problem] });
    return withApi(openApi, async (api) => {
      const onWeChat = await menuOnWeChat(api);
      if (onWeChat === undefined) return 1;
      const { answer } = onWeChat;
      const differences = diffMenus(canonicalMenu(read.value), answer === undefined ? { button: [] } : menuFromGet(answer));
      if (differences.length === 0) {
        out('no difference');
        return 0;
      }
      out(formatDifferences(differences));
      return 1;
    });
  }
  if (command === 'pull') return withApi(openApi, (api) => pull(api, invocation.out));
  return withApi(openApi, async (api) => {
    await deleteMenu(api.client);
    out('menu/delete: the menu and every personalised menu are deleted');
    return 0;
  });
}

async function main(): Promise<number> {
  const env = loadDotenv();
  let invocation;
  try {
    invocation = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`${error.message}\n${USAGE}`);
    return 2;
  }
  if (invocation === 'help') {
    out(USAGE);
    return 0;
  }
  try {
    const { file, api } = target(invocation, env);
    return await run(invocation, file, () => openCommandApi(api(), err));
  } catch (error) {
    const text = failureText(error);
    if (text === undefined) throw error;
    err(`${text}${notWritten(invocation.out)}`);
    const cause = error instanceof WeChatApiError ? MENU_ERRCODES[error.errcode] : undefined;
    if (cause !== undefined) err(`  ${cause}`);
    return 1;
  }
}

process.exitCode = await main();
