import { resolve } from 'node:path';
import { ArticleError } from '../articles/article-error.js';
import { AudienceError, audienceText, parseAudience } from '../articles/audience.js';
import { createFileRecordTables } from '../articles/file-record-tables.js';
import { describeStatus, limitsNote } from '../articles/publishing-lines.js';
import { explainPublishingErrcode } from '../articles/publishing-errcodes.js';
import { createPublishingRecords, type PublishingRecords } from '../articles/publishing-records.js';
import {
  ArticleProblemsError,
  checkArticle,
  createPublisher,
  PublishingRefusedError,
  type Publisher,
  type Target,
} from '../articles/publisher.js';
import { loadApiConfig } from '../core/config.js';
import { readVariables } from '../core/config-variables.js';
import { loadDotenv } from '../core/dotenv.js';
import { ConfigError, WeChatApiError } from '../core/errors.js';
import { keyspaceOf } from '../redis/connection.js';
import { createRedisRecordTables } from '../redis/redis-record-tables.js';
import { accountApiConfig, accountOption, commandAccount } from './account-option.js';
import { UsageError } from './cli-errors.js';
import { failureText } from './command-failure.js';
import { openCommandApi, withApi, type CommandApi, type CommandApiConfig } from './open-api.js';
import { printable } from './printable.js';

/**
 * `npm run articles -- draft|submit|preview|mass|status`: articles written in Markdown and
 * kept in git, to WeChat's draft box, then published or mass sent, with the rails a mass
 * send needs (articles/publisher.ts). Exit status: 0 done; 1 an article's problems, a
 * rail that held (no draft, no preview, a repeat), a WeChat errcode or a setting; 2 usage.
 */

const USAGE = `usage: npm run articles -- <command> [--account NAME]
  draft FILE.md... [--check]
        each file to a draft: its images uploaded once, the draft added, or updated when
        the file was drafted before; prints the draft's media_id
        (--check: only check the files against WeChat's limits, offline)
  submit FILE.md|MEDIA_ID
        publish the draft (freepublish/submit); prints the publish_id
  preview FILE.md|MEDIA_ID --to OPENID
        send the draft to one follower's WeChat as a preview (a mass send needs one)
  mass FILE.md|MEDIA_ID --to all|tag:ID|OPENIDS_FILE [--again] [--allow-reprint]
        mass send the draft, once a preview of the same content was sent; the same
        content to the same audience is sent once (--again: once more)
  status PUBLISH_ID|MSG_ID
        how a publish or a mass send ended (WeChat's report, or WeChat asked now)
--account NAME  act for that account of ACCOUNTS_FILE
exit status: 0 done; 1 an article's problems, a refused or repeated send, a WeChat
  errcode or a setting; 2 usage`;

type Command = 'draft' | 'submit' | 'preview' | 'mass' | 'status';
const COMMANDS: readonly Command[] = ['draft', 'submit', 'preview', 'mass', 'status'];

type Action =
  | { readonly command: 'draft'; readonly files: readonly string[]; readonly check: boolean }
  | { readonly command: 'submit'; readonly target: Target }
  | { readonly command: 'preview'; readonly target: Target; readonly to: string }
  | { readonly command: 'mass'; readonly target: Target; readonly to: string; readonly again: boolean; readonly allowReprint: boolean }
  | { readonly command: 'status'; readonly id: string };

interface Invocation {
  readonly action: Action;
  readonly account: string | undefined;
}

// Every line goes through printable: what WeChat or a file says never reaches the terminal raw.
const out = (text: string): void => void process.stdout.write(`${printable(text, { lines: true })}\n`);
const err = (text: string): void => void process.stderr.write(`${printable(text, { lines: true })}\n`);

const MEDIA_ID = /^[A-Za-z0-9_-]{1,128}$/;
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const ID = /^[A-Za-z0-9_-]{1,128}$/;

/** A Markdown file (by its extension or a path separator), else a draft's media_id. */
function targetOf(word: string): Target {
  if (/\.(md|markdown)$/i.test(word) || word.includes('/')) return { file: word };
  if (!MEDIA_ID.test(word)) throw new UsageError(`${printable(word)}: neither a .md file nor a media_id`);
  return { mediaId: word };
}

function parseArgs(argv: readonly string[]): Invocation | 'help' {
  let account: string | undefined;
  let to: string | undefined;
  const flags = new Set<string>();
  const words: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index] ?? '';
    if (arg === '--help' || arg === '-h') return 'help';
    const named = accountOption(arg, () => argv[++index]);
    if (named !== undefined) {
      account = named;
    } else if (arg === '--to' || arg.startsWith('--to=')) {
      to = arg === '--to' ? argv[++index] : arg.slice('--to='.length);
      if (to === undefined || to === '' || to.startsWith('--')) throw new UsageError('--to needs a value');
    } else if (arg === '--check' || arg === '--again' || arg === '--allow-reprint') {
      flags.add(arg);
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${printable(arg)}`);
    } else {
      words.push(arg);
    }
  }
  const [word, ...rest] = words;
  if (word === undefined) throw new UsageError(`no command; usage: npm run articles -- ${COMMANDS.join('|')} (--help for more)`);
  const command = COMMANDS.find((known) => known === word);
  if (command === undefined) throw new UsageError(`unknown command "${printable(word)}" (${COMMANDS.join(', ')})`);
  const allowed: Readonly<Record<Command, readonly string[]>> = {
    draft: ['--check'],
    submit: [],
    preview: ['--to'],
    mass: ['--to', '--again', '--allow-reprint'],
    status: [],
  };
  for (const flag of [...flags, ...(to === undefined ? [] : ['--to'])]) {
    if (!allowed[command].includes(flag)) throw new UsageError(`${flag} is not an option of ${command}`);
  }
  const one = (what: string): string => {
    if (rest.length !== 1 || rest[0] === undefined) throw new UsageError(`${command} takes one ${what}`);
    return rest[0];
  };
  const needTo = (what: string): string => {
    if (to === undefined) throw new UsageError(`${command} needs --to ${what}`);
    return to;
  };
  switch (command) {
    case 'draft':
      if (rest.length === 0) throw new UsageError('draft needs at least one .md file');
      return { action: { command, files: rest, check: flags.has('--check') }, account };
    case 'submit':
      return { action: { command, target: targetOf(one('file or media_id')) }, account };
    case 'preview': {
      const target = targetOf(one('file or media_id'));
      const openid = needTo('OPENID');
      if (!OPENID.test(openid)) throw new UsageError(`--to ${printable(openid)}: not an openid`);
      return { action: { command, target, to: openid }, account };
    }
    case 'mass':
      return {
        action: {
          command,
          target: targetOf(one('file or media_id')),
          to: needTo('all|tag:ID|OPENIDS_FILE'),
          again: flags.has('--again'),
          allowReprint: flags.has('--allow-reprint'),
        },
        account,
      };
    case 'status': {
      const id = one('publish_id or msg_id');
      if (!ID.test(id)) throw new UsageError(`${printable(id)}: not a publish_id or msg_id`);
      return { action: { command, id }, account };
    }
  }
}

function apiConfig(invocation: Invocation): CommandApiConfig {
  const env = process.env;
  return invocation.account === undefined ? loadApiConfig(env) : accountApiConfig(env, commandAccount(env, invocation.account));
}

/**
 * The account's publishing records where the servers keep them: Redis with REDIS_URL,
 * else ARTICLES_STATE_FILE. Refused when REDIS_URL is set and unreachable: records kept
 * aside would let a send be made twice.
 */
function recordsOf(api: CommandApi, config: CommandApiConfig): PublishingRecords {
  if (api.redis !== undefined) return createPublishingRecords(createRedisRecordTables(keyspaceOf(api.redis, api.account)));
  if (config.redisUrl !== undefined) {
    throw new ConfigError(
      'REDIS_URL',
      'Redis (REDIS_URL) is unreachable: publishing’s records (drafts, previews, sends) are there; try again once it answers',
    );
  }
  const file = readVariables(process.env, ['ARTICLES_STATE_FILE']).ARTICLES_STATE_FILE;
  return createPublishingRecords(createFileRecordTables(file, api.account.appId));
}

/** ARTICLES_DIR, which the records name files from, as the server does. */
function articlesRoot(): string {
  return resolve(readVariables(process.env, ['ARTICLES_DIR']).ARTICLES_DIR);
}

/** `draft --check`: every file's problems, without WeChat. */
async function checkFiles(files: readonly string[]): Promise<number> {
  let status = 0;
  for (const file of files) {
    const { problems, html } = await checkArticle(file);
    if (problems.length > 0) {
      status = 1;
      err(new ArticleProblemsError(file, problems).message);
    } else {
      out(`${file}: ok (${[...html].length} characters of HTML)`);
    }
  }
  return status;
}

async function act(action: Exclude<Action, { command: 'draft'; check: true }>, publisher: Publisher): Promise<number> {
  switch (action.command) {
    case 'draft': {
      let status = 0;
      for (const file of action.files) {
        try {
          const result = await publisher.draft(file);
          const cover = result.coverUploaded ? 'cover uploaded' : 'cover reused';
          out(
            `${file}: draft ${result.mediaId} ${result.action} (${result.imagesUploaded} image${result.imagesUploaded === 1 ? '' : 's'} uploaded, ${result.imagesReused} reused, ${cover})`,
          );
        } catch (error) {
          // One file's problems do not stop the others (a CI job drafts every changed file).
          if (!(error instanceof ArticleProblemsError)) throw error;
          err(error.message);
          status = 1;
        }
      }
      return status;
    }
    case 'submit': {
      const { publishId, mediaId } = await publisher.submit(action.target);
      out(`submitted draft ${mediaId}: publish_id ${publishId} (status ${publishId} once WeChat reports it)`);
      return 0;
    }
    case 'preview': {
      const { mediaId } = await publisher.preview(action.target, action.to);
      out(`preview of draft ${mediaId} sent to ${action.to}: look at it on the phone before the mass send`);
      return 0;
    }
    case 'mass': {
      const audience = await parseAudience(action.to);
      out(limitsNote(audienceText(audience)));
      const { msgIds } = await publisher.mass(action.target, audience, { again: action.again, allowReprint: action.allowReprint });
      out(`mass send taken by WeChat: msg_id ${msgIds.join(', ')} (status ${msgIds[0] ?? ''} for WeChat's report)`);
      return 0;
    }
    case 'status': {
      const report = await publisher.status(action.id);
      if (report === undefined) {
        err(`${action.id}: no publish or mass send with this id is recorded for this account`);
        return 1;
      }
      for (const line of describeStatus(report)) out(line);
      return 0;
    }
  }
}

async function run(invocation: Invocation): Promise<number> {
  const { action } = invocation;
  if (action.command === 'draft' && action.check) return checkFiles(action.files);
  const config = apiConfig(invocation);
  return withApi(
    () => openCommandApi(config, err),
    (api) =>
      act(
        action as Exclude<Action, { command: 'draft'; check: true }>,
        createPublisher({ client: api.client, records: recordsOf(api, config), appId: api.account.appId, root: articlesRoot() }),
      ),
  );
}

async function main(): Promise<number> {
  loadDotenv();
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
    return await run(invocation);
  } catch (error) {
    if (error instanceof ArticleError || error instanceof PublishingRefusedError || error instanceof AudienceError) {
      err(error.message);
      return 1;
    }
    const text = failureText(error);
    if (text === undefined) throw error;
    err(text);
    const explained = error instanceof WeChatApiError ? explainPublishingErrcode(error.errcode) : undefined;
    if (explained !== undefined) err(`errcode ${(error as WeChatApiError).errcode}: ${explained}`);
    return 1;
  }
}

process.exitCode = await main();
