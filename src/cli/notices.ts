import { loadApiConfig, type ApiConfig } from '../core/config.js';
import { loadDotenv } from '../core/dotenv.js';
import { addNoticeTemplate, deleteNoticeTemplate, getNoticeCategories, getNoticeTemplates, grantKindOf } from '../wechat-api/notices.js';
import { templatePlaceholders } from '../wechat-api/templates.js';
import { accountApiConfig, accountOption, commandAccount } from './account-option.js';
import { UsageError } from './cli-errors.js';
import { failureText } from './command-failure.js';
import { parseKeywords, sceneProblem, templateIdProblem, tidProblem } from './notice-checks.js';
import { openCommandApi, type CommandApi } from './open-api.js';
import { printable } from './printable.js';

/**
 * `npm run notices -- templates list|add|delete|categories`: the account's subscription
 * notice templates (订阅通知, WeChat's `/wxaapi/newtmpl/*`). Exit status: 0 done, 1 a
 * WeChat errcode or a setting, 2 a usage error (found before WeChat is called).
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
--account NAME  act for that account of ACCOUNTS_FILE: its AppID and secret
exit status: 0 done; 1 a WeChat errcode or a setting; 2 usage`;

type Command = 'list' | 'add' | 'delete' | 'categories';
const COMMANDS: readonly Command[] = ['list', 'add', 'delete', 'categories'];

/** Each command's own usage, said in the one line of a usage error. */
const COMMAND_USAGE: Readonly<Record<Command, string>> = {
  list: 'templates list [--json]',
  add: 'templates add --tid TID --keywords 1,2,3 [--scene TEXT]',
  delete: 'templates delete ID',
  categories: 'templates categories [--json]',
};

/** What to do, its arguments checked. */
type Action =
  | { readonly command: 'list' | 'categories'; readonly json: boolean }
  | { readonly command: 'add'; readonly tid: string; readonly keywords: readonly number[]; readonly scene: string }
  | { readonly command: 'delete'; readonly id: string };

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
  return { action: action(command, rest, values, json), account };
}

/** The command's action, its arguments checked as WeChat documents them. */
function action(command: Command, rest: readonly string[], values: Partial<Record<ValueOption, string>>, json: boolean): Action {
  const [first, ...extra] = rest;
  const tooMany = (): CommandUsageError => new CommandUsageError(command, `too many arguments for ${command}`);
  if (command === 'delete') {
    if (first === undefined) throw new CommandUsageError(command, 'delete needs the template id');
    if (extra.length > 0) throw tooMany();
    const problem = templateIdProblem(first);
    if (problem !== undefined) throw new CommandUsageError(command, problem);
    return { command, id: first };
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
function apiConfig(invocation: Invocation, env: NodeJS.ProcessEnv): ApiConfig {
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

async function run(action: Action, api: CommandApi): Promise<number> {
  switch (action.command) {
    case 'list':
      return list(api, action.json);
    case 'categories':
      return categories(api, action.json);
    case 'add': {
      const id = await addNoticeTemplate(api.client, action.tid, action.keywords, action.scene);
      out(`added ${printable(id)} (tid ${action.tid}, keyword ids ${action.keywords.join(',')})`);
      return 0;
    }
    case 'delete':
      await deleteNoticeTemplate(api.client, action.id);
      out(`deleted ${action.id}`);
      return 0;
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
    const api = await openCommandApi(apiConfig(invocation, env), err);
    try {
      return await run(invocation.action, api);
    } finally {
      await api.close();
    }
  } catch (error) {
    const text = failureText(error);
    if (text === undefined) throw error;
    err(text);
    return 1;
  }
}

process.exitCode = await main();
