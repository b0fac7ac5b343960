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
 * counted by valgrind (cachegrind, no cache simulation), with one account and with the
 * accounts file of 50 (`accounts-file.ts`), both at the shipped defaults. A count of
 * instructions does not move with the machine's load or clock as CPU time does, so it
 * settles the budget line "50 accounts cost at most 5 % more a message than one", which
 * `npm run bench` also shows in CPU time but with the noise of a shared machine.
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
}

/** An AppSecret for the runs that have one: never used to call WeChat (the echo needs no API). */
const BENCH_SECRET = 'bench-appsecret-never-sent-anywhere';

async function totalInstructions(
  path: string,
  messages: number,
  accountsFile: string | undefined,
  { watched = false, withSecret = false }: Variant = {},
): Promise<number> {
  const dir = mkdtempSync(join(os.tmpdir(), 'wechat-instructions-'));
  const out = join(dir, 'cachegrind.out');
  try {
    const port = await freePort();
    const child = spawn(
      'valgrind',
      ['--tool=cachegrind', '--cache-sim=no', '--branch-sim=no', `--cachegrind-out-file=${out}`, process.execPath, ...SERVER_ARGS.ours],
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
const accounts = writeAccountsFile();
try {
  const one = await perMessage(WECHAT_PATH, undefined);
  const fifty = await perMessage(`${WECHAT_PATH}/${ACCOUNT_NAME}`, accounts.file);
  const streamed = await perMessage(WECHAT_PATH, undefined, { watched: true });
  const sending = await perMessage(WECHAT_PATH, undefined, { withSecret: true });
  const ratio = fifty / one;
  const pass = ratio <= BUDGET;
  process.stdout.write(
    [
      '| server | instructions per message |',
      '| --- | ---: |',
      `| ours (one account) | ${Math.round(one).toLocaleString('en')} |`,
      `| ours, ${ACCOUNTS} accounts | ${Math.round(fifty).toLocaleString('en')} |`,
      `| ours, a console watching the live stream | ${Math.round(streamed).toLocaleString('en')} |`,
      `| ours, one account with its AppSecret (each user's reach kept) | ${Math.round(sending).toLocaleString('en')} |`,
      '',
      `- ${pass ? 'PASS' : 'FAIL'} ${ACCOUNTS} accounts ≤ ${BUDGET}× one: ${ratio.toFixed(4)}×`,
      `- a console watching costs ${(streamed / one).toFixed(4)}× one account's instructions a message (the stream's formatting and sending included)`,
      `- an account with its AppSecret (reach kept for each user) costs ${(sending / one).toFixed(4)}× one without`,
      '',
    ].join('\n'),
  );
  process.exitCode = pass ? 0 : 1;
} finally {
  accounts.remove();
}
