import { readFile } from 'node:fs/promises';
import { loadApiConfig } from '../core/config.js';
import { loadDotenv } from '../core/dotenv.js';
import { writeFileAtomically } from '../core/write-file-atomically.js';
import { addNoticeTemplate, deleteNoticeTemplate, getNoticeCategories, getNoticeTemplates, grantKindOf } from '../wechat-api/notices.js';
import { templatePlaceholders } from '../wechat-api/templates.js';
import { accountApiConfig, accountOption, commandAccount } from './account-option.js';
import { UsageError } from './cli-errors.js';
import { failureText } from './command-failure.js';
import { parseKeywords, sceneProblem, templateIdProblem, tidProblem } from './notice-checks.js';
import { readTemplatesFile, withIds } from './notices-file.js';
import { openCommandApi, withApi, type CommandApi, type CommandApiConfig } from './open-api.js';
import { printable } from './printable.js';

/**
 * `npm run notices -- templates list|add|delete|categories|sync`: the account's
 * subscription notice templates (订阅通知, WeChat's `/wxaapi/newtmpl/*`), kept as code
 * with `sync` and a templates file (notices-file.ts). Exit status: 0 done, 1 a WeChat
 * errcode, a setting, a file's problems or (`sync --dry-run`) templates to add, 2 a usage
 * error (found before WeChat is called).
 */

const USAGE = `usage: npm run notices -- templates <command> [--account NAME]
  templates list [--json]
                 the account's templates: id, kind (one-time or long-term), title, keywords
  templates add --tid TID --keywords 1,2,3 [--scene TEXT]
                 add the public template TID with those keyword ids (2 to 5, in order)
                 and a scene of at most 15 characters; prints the new template's id
  templates delete ID
                 delete the account's template ID
  templates categories [--json]
                 the public library's categories the account may take templates from
  templates sync FILE [--dry-run]
                 add the templates FILE lists that the account lacks, write their ids
                 into FILE, and name the account's templates FILE does not list
                 (--dry-run: only say what it would add)
--account NAME  act for that account of ACCOUNTS_FILE: its AppID and secret, or for an
                account that authorised the platform (by its AppID), its authorizer token
exit status: 0 done; 1 a WeChat errcode, a setting, FILE's problems, or templates
  that sync --dry-run would add; 2 usage`;

type Command = 'list' | 'add' | 'delete' | 'categories' | 'sync';
const COMMANDS: readonly Command[] = ['list', 'add', 'delete', 'categories', 'sync'];

/** Each command's own usage, said in the one line of a usage error. */
const COMMAND_USAGE: Readonly<Record<Command, string>> = {
  list: 'templates list [--json]',
  add: 'templates add --tid TID --keywords 1,2,3 [--scene TEXT]',
  delete: 'templates delete ID',
  categories: 'templates categories [--json]',
  sync: 'templates sync FILE [--dry-run]',
};

/** What to do, its arguments checked. */
type Action =
  | { readonly command: 'list' | 'categories'; readonly json: boolean }
  | { readonly command: 'add'; readonly tid: string; readonly keywords: readonly number[]; readonly scene: string }
  | { readonly command: 'delete'; readonly id: string }
  | { readonly command: 'sync'; readonly file: string; readonly dryRun: boolean };

interface Invocation {
  readonly action: Action;
  /** `--account NAME`: an account of ACCOUNTS_FILE. */
  readonly account: string | undefined;
}

/** A usage error that names the command's usage in the same line. */
class CommandUsageError extends UsageError {
  constructor(command: Command | undefined, problem: string) {
    const usage = command === undefined ? `templates ${COMMANDS.join('|')} (--help for more)` : COMMAND_USAGE[command];
    super(`${printable(problem)}; usage: npm run notices -- ${usage}`);
  }
}

// Every line goes through printable: what WeChat says never reaches the terminal raw.
const out = (text: string): void => void process.stdout.write(`${printable(text, { lines: true })}\n`);
const err = (text: string): void => void process.stderr.write(`${printable(text, { lines: true })}\n`);

/** The options that take a value, and the commands they are for. */
const VALUE_OPTIONS = { tid: 'add', keywords: 'add', scene: 'add' } as const satisfies Record<string, Command>;
type ValueOption = keyof typeof VALUE_OPTIONS;

function parseArgs(argv: readonly string[]): Invocation | 'help' {
  let account: string | undefined;
  let json = false;
  let dryRun = false;
  const values: Partial<Record<ValueOption, string>> = {};
  const words: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    const named = accountOption(arg, () => argv[++index]);
    if (named !== undefined) {
      account = named;
      continue;
    }
    const option = (Object.keys(VALUE_OPTIONS) as ValueOption[]).find((name) => arg === `--${name}` || arg.startsWith(`--${name}=`));
    if (option !== undefined) {
      const value = arg === `--${option}` ? argv[++index] : arg.slice(`--${option}=`.length);
      if (value === undefined || value === '' || value.startsWith('--')) throw new CommandUsageError('add', `--${option} needs a value`);
      values[option] = value;
    } else if (arg === '--json') json = true;
    else if (arg === '--dry-run') dryRun = true;
    else if (arg.startsWith('-')) throw new CommandUsageError(undefined, `unknown option ${arg}`);
    else words.push(arg);
  }
  const [group, word, ...rest] = words;
  if (group === undefined) throw new CommandUsageError(undefined, 'no command');
  if (group !== 'templates') throw new CommandUsageError(undefined, `unknown command "${group}"`);
  if (word === undefined) throw new CommandUsageError(undefined, 'templates needs a command');
  const command = COMMANDS.find((known) => known === word);
  if (command === undefined) throw new CommandUsageError(undefined, `unknown command "templates ${word}"`);
  for (const option of Object.keys(values) as ValueOption[]) {
    if (VALUE_OPTIONS[option] !== command)
      throw new CommandUsageError(command, `--${option} is for ${VALUE_OPTIONS[option]}, not ${command}`);
  }
  if (json && command !== 'list' && command !== 'categories') throw new CommandUsageError(command, `--json is for list and categories`);
  if (dryRun && command !== 'sync') throw new CommandUsageError(command, '--dry-run is for sync');
  return { action: action(command, rest, values, json, dryRun), account };
}

/** The command's action, its arguments checked as WeChat documents them. */
function action(
  command: Command,
  rest: readonly string[],
  values: Partial<Record<ValueOption, string>>,
  json: boolean,
  dryRun: boolean,
): Action {
  const [first, ...extra] = rest;
  const tooMany = (): CommandUsageError => new CommandUsageError(command, `too many arguments for ${command}`);
  if (command === 'delete') {
    if (first === undefined) throw new CommandUsageError(command, 'delete needs the template id');
    if (extra.length > 0) throw tooMany();
    const problem = templateIdProblem(first);
    if (problem !== undefined) throw new CommandUsageError(command, problem);
    return { command, id: first };
  }
  if (command === 'sync') {
    if (first === undefined) throw new CommandUsageError(command, 'sync needs the templates file');
    if (extra.length > 0) throw tooMany();
    return { command, file: first, dryRun };
  }
  if (first !== undefined) throw tooMany();
  if (command !== 'add') return { command, json };
  const { tid, keywords: list, scene = '' } = values;
  if (tid === undefined) throw new CommandUsageError(command, 'add needs --tid');
  if (list === undefined) throw new CommandUsageError(command, 'add needs --keywords');
  const tidWrong = tidProblem(tid);
  if (tidWrong !== undefined) throw new CommandUsageError(command, `--tid: ${tidWrong}`);
  const keywords = parseKeywords(list);
  if ('problem' in keywords) throw new CommandUsageError(command, `--keywords: ${keywords.problem}`);
  const sceneWrong = sceneProblem(scene);
  if (sceneWrong !== undefined) throw new CommandUsageError(command, `--scene ${sceneWrong}`);
  return { command, tid, keywords: keywords.keywords, scene };
}

/** The API's settings: those of `--account` when named, otherwise the `WECHAT_*` variables. */
function apiConfig(invocation: Invocation, env: NodeJS.ProcessEnv): CommandApiConfig {
  return invocation.account === undefined ? loadApiConfig(env) : accountApiConfig(env, commandAccount(env, invocation.account));
}

/** Prints the value as JSON, each string's control characters escaped (the JSON stays valid, its values the same). */
const printJson = (value: unknown): void => out(JSON.stringify(value, null, 2));

async function list(api: CommandApi, json: boolean): Promise<number> {
  const templates = (await getNoticeTemplates(api.client)).map((template) => ({
    id: template.priTmplId,
    kind: grantKindOf(template.type),
    type: template.type,
    title: template.title,
    keywords: templatePlaceholders(template.content).map((placeholder) => placeholder.key),
    content: template.content,
    ...(template.example === undefined ? {} : { example: template.example }),
  }));
  if (json) {
    printJson({ templates });
    return 0;
  }
  if (templates.length === 0) out('no templates: add one with `npm run notices -- templates add --tid TID --keywords 1,2`');
  for (const template of templates) {
    // Each field escaped whole, a line feed included: one template, two lines.
    const type = template.type === 2 || template.type === 3 ? '' : ` (type ${template.type})`;
    out(`${printable(template.id)}  ${template.kind}${type}  ${printable(template.title)}`);
    out(`  keywords: ${template.keywords.length === 0 ? '(none)' : template.keywords.join(' ')}`);
  }
  return 0;
}

async function categories(api: CommandApi, json: boolean): Promise<number> {
  const found = await getNoticeCategories(api.client);
  if (json) printJson({ categories: found });
  else if (found.length === 0) out('no categories');
  else for (const category of found) out(`${category.id}  ${printable(category.name)}`);
  return 0;
}

/** The account's templates the file names, those it lacks and those it does not list; adds the lacking ones unless `dryRun`. */
async function sync(file: string, dryRun: boolean, openApi: () => Promise<CommandApi>): Promise<number> {
  // The file is checked whole before WeChat is called.
  const read = await readTemplatesFile(file);
  if (!read.ok) {
    for (const problem of read.problems) err(problem);
    return 1;
  }
  return withApi(openApi, async (api) => {
    const onAccount = await getNoticeTemplates(api.client);
    const byId = new Map(onAccount.map((template) => [template.priTmplId, template]));
    const missing: number[] = [];
    read.templates.forEach((wanted, index) => {
      const found = wanted.id === undefined ? undefined : byId.get(wanted.id);
      if (found === undefined) missing.push(index);
      else out(`kept ${printable(found.priTmplId)}  ${printable(found.title)}`);
    });
    const named = new Set(read.templates.map((wanted) => wanted.id));
    const extras = onAccount.filter((template) => !named.has(template.priTmplId));
    const entry = (index: number): string => {
      const wanted = read.templates[index];
      if (wanted === undefined) return `templates[${index}]`;
      const gone = wanted.id === undefined ? '' : `; its id ${wanted.id} is not on the account`;
      return `templates[${index}]: tid ${wanted.tid}, keyword ids ${wanted.keywords.join(',')}${gone}`;
    };
    const reportExtras = (): void => {
      for (const template of extras) {
        const id = printable(template.priTmplId);
        out(`extra ${id}  ${printable(template.title)}: not in ${file}; \`npm run notices -- templates delete ${id}\` removes it`);
      }
    };
    const kept = read.templates.length - missing.length;
    if (dryRun) {
      for (const index of missing) out(`would add ${entry(index)}`);
      reportExtras();
      out(`${missing.length} to add, ${kept} kept, ${extras.length} extra (dry run: nothing changed)`);
      return missing.length === 0 ? 0 : 1;
    }
    const added = new Map<number, string>();
    let failure: unknown;
    for (const index of missing) {
      const wanted = read.templates[index];
      if (wanted === undefined) continue;
      try {
        const id = await addNoticeTemplate(api.client, wanted.tid, wanted.keywords, wanted.scene);
        added.set(index, id);
        out(`added ${printable(id)} (${entry(index)})`);
      } catch (error) {
        // What was added before stays recorded in the file; the errcode is said last.
        failure = error;
        break;
      }
    }
    reportExtras();
    const recorded = added.size === 0 || (await recordIds(file, read.source, added));
    if (failure !== undefined) throw failure;
    out(`${added.size} added, ${kept} kept, ${extras.length} extra`);
    return recorded ? 0 : 1;
  });
}

/**
 * Writes the new templates' ids into the file (atomically), so that the next sync knows
 * them; when the file changed meanwhile or cannot be written, says which ids to record.
 */
async function recordIds(file: string, source: string, ids: ReadonlyMap<number, string>): Promise<boolean> {
  let problem: string;
  try {
    if ((await readFile(file, 'utf8')) !== source) problem = 'it changed while sync ran';
    else {
      await writeFileAtomically(file, withIds(source, file, ids));
      out(`wrote ${ids.size} new id${ids.size === 1 ? '' : 's'} into ${file}`);
      return true;
    }
  } catch (error) {
    problem = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
  }
  const byHand = [...ids].map(([index, id]) => `templates[${index}].id: ${printable(id)}`).join(', ');
  err(`could not write ${file} (${printable(problem)}): record ${byHand}`);
  return false;
}

async function run(action: Action, openApi: () => Promise<CommandApi>): Promise<number> {
  switch (action.command) {
    case 'list':
      return withApi(openApi, (api) => list(api, action.json));
    case 'categories':
      return withApi(openApi, (api) => categories(api, action.json));
    case 'add':
      return withApi(openApi, async (api) => {
        const id = await addNoticeTemplate(api.client, action.tid, action.keywords, action.scene);
        out(`added ${printable(id)} (tid ${action.tid}, keyword ids ${action.keywords.join(',')})`);
        return 0;
      });
    case 'delete':
      return withApi(openApi, async (api) => {
        await deleteNoticeTemplate(api.client, action.id);
        out(`deleted ${action.id}`);
        return 0;
      });
    case 'sync':
      return sync(action.file, action.dryRun, openApi);
  }
}

async function main(): Promise<number> {
  const env = loadDotenv();
  let invocation;
  try {
    invocation = parseArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(error.message);
    return 2;
  }
  if (invocation === 'help') {
    out(USAGE);
    return 0;
  }
  try {
    return await run(invocation.action, () => openCommandApi(apiConfig(invocation, env), err));
  } catch (error) {
    const text = failureText(error);
    if (text === undefined) throw error;
    err(text);
    return 1;
  }
}

process.exitCode = await main();
