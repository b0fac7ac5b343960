import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACCOUNTS, writeAccountsFile } from './accounts-file.js';
import { CONSOLE_TOKEN, watchLiveStream } from './console-watch.js';
import { freshTextMessage } from './messages.js';
import { accepts, freePort } from './server-process.js';
import { serverEnv, WECHAT_PATH, ACCOUNT_NAME } from './settings.js';
import { SERVER_ARGS, SERVERS_DIR } from './targets.js';

/**
 * `npm run bench:instructions`: the machine instructions our server executes per message,
 * counted by valgrind (cachegrind, no cache simulation), with one account, with the
 * accounts file of 50 (`accounts-file.ts`), with a console watching, with an AppSecret,
 * and bare node:http, all at the shipped defaults. A count of instructions does not move
 * with the machine's load or clock as CPU time does, so it settles the budget lines "50
 * accounts, and a console watching, cost at most 5 % more a message than one account
 * alone", which `npm run bench` also shows in CPU time but with the noise of a shared
 * machine (where one round of a target can take twice the CPU of the next).
 *
 * Each server is run twice, once answering FEW messages and once MANY (one at a time,
 * each checked); the difference of the two totals, divided by MANY - FEW, is what one
 * message costs, start-up and shutdown cancelled out. The JIT stays on, as shipped.
 */

const FEW = 1000;
const MANY = 6000;
const BUDGET = 1.05;
const START_TIMEOUT_MS = 120_000;

/** Instructions the whole process executed while it started, answered `messages` echo messages at `path`, and stopped. */
/** What a run adds to the shipped defaults: a console watching, or an AppSecret (the account can send, and keeps its users' reach). */
interface Variant {
  readonly watched?: boolean;
  readonly withSecret?: boolean;
  /** Bare node:http (`servers/bare.mjs`) instead of our server: the floor, counted the same way. */
  readonly bare?: boolean;
}

/** An AppSecret for the runs that have one: never used to call WeChat (the echo needs no API). */
const BENCH_SECRET = 'bench-appsecret-never-sent-anywhere';

async function totalInstructions(
  path: string,
  messages: number,
  accountsFile: string | undefined,
  { watched = false, withSecret = false, bare = false }: Variant = {},
): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), 'wechat-instructions-'));
  const out = join(dir, 'cachegrind.out');
  try {
    const port = await freePort();
    const child = spawn(
      'valgrind',
      [
        '--tool=cachegrind',
        '--cache-sim=no',
        '--branch-sim=no',
        `--cachegrind-out-file=${out}`,
        process.execPath,
        ...(bare ? SERVER_ARGS.bare : SERVER_ARGS.ours),
      ],
      {
        cwd: SERVERS_DIR,
        env: {
          ...serverEnv(port, { shipped: true, accountsFile }),
          ...(watched ? { ADMIN_TOKEN: CONSOLE_TOKEN } : {}),
          ...(withSecret ? { WECHAT_APPSECRET: BENCH_SECRET } : {}),
        },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (!(await accepts(port))) {
      if (child.exitCode !== null || Date.now() > deadline)
        throw new Error(`the server under valgrind did not listen (exit ${child.exitCode})`);
      await sleep(200);
    }
    const watching = new AbortController();
    if (watched) await watchLiveStream(port, watching.signal);
    for (let i = 0; i < messages; i++) {
      const message = freshTextMessage(false);
      const response = await fetch(`http://127.0.0.1:${port}${path}?${message.query}`, { method: 'POST', body: message.body });
      const reply = await response.text();
      const echoed = message.expect.content !== undefined && reply.includes(message.expect.content);
      if (response.status !== 200 || !echoed) throw new Error(`message ${i}: HTTP ${response.status}, ${reply}`);
    }
    watching.abort();
    child.kill('SIGTERM');
    await exited;
    const summary = /^summary: (\d+)/m.exec(readFileSync(out, 'utf8'));
    if (summary?.[1] === undefined) throw new Error('cachegrind wrote no summary');
    return Number(summary[1]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function perMessage(path: string, accountsFile: string | undefined, variant: Variant = {}): Promise<number> {
  const few = await totalInstructions(path, FEW, accountsFile, variant);
  const many = await totalInstructions(path, MANY, accountsFile, variant);
  return (many - few) / (MANY - FEW);
}

if (spawnSync('valgrind', ['--version']).status !== 0) {
  process.stderr.write('bench:instructions needs valgrind (apt-get install valgrind)\n');
  process.exit(2);
}
/** The runs, by name; `npm run bench:instructions -- one bare` runs only those named. */
const RUNS = ['one', 'fifty', 'console', 'secret', 'bare'] as const;
type Run = (typeof RUNS)[number];
const asked = process.argv.slice(2);
const unknown = asked.filter((name) => !(RUNS as readonly string[]).includes(name));
if (unknown.length > 0) {
  process.stderr.write(`unknown run ${unknown.join(', ')}; runs: ${RUNS.join(' ')}\n`);
  process.exit(2);
}
const runs = new Set<Run>(asked.length === 0 ? RUNS : (asked as Run[]));
const accounts = writeAccountsFile();
try {
  const count = (run: Run, path: string, file: string | undefined, variant?: Variant): Promise<number | undefined> =>
    runs.has(run) ? perMessage(path, file, variant) : Promise.resolve(undefined);
  const one = await count('one', WECHAT_PATH, undefined);
  const fifty = await count('fifty', `${WECHAT_PATH}/${ACCOUNT_NAME}`, accounts.file);
  const streamed = await count('console', WECHAT_PATH, undefined, { watched: true });
  const sending = await count('secret', WECHAT_PATH, undefined, { withSecret: true });
  const floor = await count('bare', WECHAT_PATH, undefined, { bare: true });
  const figure = (value: number | undefined): string => (value === undefined ? '—' : Math.round(value).toLocaleString('en'));
  const against = (value: number | undefined, what: string): string[] =>
    value === undefined || one === undefined ? [] : [`- ${what}: ${(value / one).toFixed(4)}× one account's instructions a message`];
  const fiftyRatio = fifty === undefined || one === undefined ? undefined : fifty / one;
  const consoleRatio = streamed === undefined || one === undefined ? undefined : streamed / one;
  const line = (ratio: number | undefined, what: string): string[] =>
    ratio === undefined
      ? []
      : [`- ${ratio <= BUDGET ? 'PASS' : 'FAIL'} ${what} ≤ ${BUDGET}× one account's instructions a message: ${ratio.toFixed(4)}×`];
  const pass = [fiftyRatio, consoleRatio].every((ratio) => ratio === undefined || ratio <= BUDGET);
  process.stdout.write(
    [
      '| server | instructions per message |',
      '| --- | ---: |',
      `| ours (one account) | ${figure(one)} |`,
      `| ours, ${ACCOUNTS} accounts | ${figure(fifty)} |`,
      `| ours, a console watching the live stream | ${figure(streamed)} |`,
      `| ours, one account with its AppSecret (each user's reach kept) | ${figure(sending)} |`,
      `| bare node:http, the floor | ${figure(floor)} |`,
      '',
      ...line(fiftyRatio, `${ACCOUNTS} accounts`),
      ...line(consoleRatio, "a console watching the live stream (the stream's formatting and sending included)"),
      ...against(sending, 'an account with its AppSecret (reach kept for each user)'),
      ...(floor === undefined || one === undefined
        ? []
        : [
            `- ours ÷ bare: ${(one / floor).toFixed(4)}× (user-space instructions only; the kernel's share, the same for both, is not counted)`,
          ]),
      '',
    ].join('\n'),
  );
  process.exitCode = pass ? 0 : 1;
} finally {
  accounts.remove();
}
