import os from 'node:os';
import { ACCOUNTS } from './accounts-file.js';
import type { CompareSettings, TargetResult } from './compare.js';
import { shippedSummary } from './settings.js';
import { KEYWORD_RULES } from './keyword-replies.js';
import { ACCOUNTS_LABEL, CONSOLE_LABEL, KEYWORD_LABEL } from './targets.js';

/** One target's line: medians over the rounds, the peak RSS, errors summed. */
export interface Row {
  readonly label: string;
  readonly reqPerSec: number;
  readonly perRound: readonly number[];
  readonly p50: number;
  readonly p99: number;
  readonly cpuMicros: number;
  readonly peakRssMiB: number;
  readonly errors: number;
  readonly checked: number;
  readonly generatorCpu: number;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

export function toRow(result: TargetResult): Row {
  const rounds = result.rounds;
  return {
    label: result.target.label,
    reqPerSec: median(rounds.map((m) => m.reqPerSec)),
    perRound: rounds.map((m) => m.reqPerSec),
    p50: median(rounds.map((m) => m.p50)),
    p99: median(rounds.map((m) => m.p99)),
    cpuMicros: median(rounds.map((m) => m.cpuMicros)),
    peakRssMiB: result.peakRssMiB,
    errors: rounds.reduce((sum, m) => sum + m.errors, 0) + result.warmupErrors,
    checked: rounds.reduce((sum, m) => sum + m.checked, 0),
    generatorCpu: median(rounds.map((m) => m.generatorCpu)),
  };
}

const int = (n: number): string => (Number.isFinite(n) ? String(Math.round(n)) : 'n/a');
export const fixed = (n: number, digits: number): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

function table(rows: readonly Row[]): string[] {
  const lines = [
    '| target | req/s (median) | req/s per round | p50 ms | p99 ms | server CPU µs/req | peak RSS MiB | errors | replies checked | load-gen CPU % |',
    '| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${int(r.reqPerSec)} | ${r.perRound.map(int).join(' / ')} | ${fixed(r.p50, 2)} | ${fixed(r.p99, 2)} | ` +
        `${int(r.cpuMicros)} | ${fixed(r.peakRssMiB, 1)} | ${r.errors} | ${r.checked} | ${int(r.generatorCpu)} |`,
    );
  }
  return lines;
}

interface Verdict {
  readonly line: string;
  readonly pass: boolean;
}

function verdict(pass: boolean, text: string): Verdict {
  return { pass, line: `- ${pass ? 'PASS' : 'FAIL'} ${text}` };
}

/**
 * The budget (#36), as multiples of another target's figure in the same run: ours ≥
 * (req/s) or ≤ (the rest) this times theirs. The keyword row keeps the earlier plaintext
 * lines: a keyword reply does more than an echo, and #36 sets no line for it.
 */
export const BUDGET = {
  plaintext: { reqVsWebot: 4.0, reqVsCo: 1.5, cpuVsBare: 1.3, cpuVsCo: 0.4, p99VsWebot: 0.3, rssVsWebot: 0.8 },
  safe: { reqVsWebot: 3.0, reqVsCo: 2.0, cpuVsCo: 0.35, p99VsWebot: 0.4 },
  keywords: { reqVsWebot: 3.0, reqVsCo: 1.5, cpuVsBare: 2.5, p99VsWebot: 0.4, rssVsWebot: 0.9 },
  /** Against our own one-account echo: what the accounts file's other accounts may add to a message. */
  accountsVsOne: 1.05,
  /** Against our own one-account echo: what a console reading the live stream may add to a message. */
  consoleVsOne: 1.05,
} as const;

const times = (a: number, b: number): string => `${fixed(a / b, 2)}×`;

/** ours ≥ `factor` × peer in req/s. */
function faster(ours: Row, peer: Row, factor: number, what: string): Verdict {
  return verdict(
    ours.reqPerSec >= factor * peer.reqPerSec,
    `${what} req/s ≥ ${fixed(factor, 1)}× ${peer.label}: ${int(ours.reqPerSec)} vs ${int(peer.reqPerSec)} (${times(ours.reqPerSec, peer.reqPerSec)})`,
  );
}

/** ours ≤ `factor` × other's `figure` (CPU, p99 or RSS). */
function atMost(ours: Row, other: Row, factor: number, figure: 'cpuMicros' | 'p99' | 'peakRssMiB', what: string): Verdict {
  const [name, show] =
    figure === 'cpuMicros'
      ? ['CPU per request', (r: Row) => `${int(r.cpuMicros)} µs`]
      : figure === 'p99'
        ? ['p99', (r: Row) => `${fixed(r.p99, 2)} ms`]
        : ['peak RSS', (r: Row) => `${fixed(r.peakRssMiB, 1)} MiB`];
  return verdict(
    ours[figure] <= factor * other[figure],
    `${what} ${name} ≤ ${fixed(factor, 2)}× ${other.label === 'ours' ? "ours' (one account, no console)" : `${other.label}'s`}: ` +
      `${show(ours)} vs ${show(other)} (${times(ours[figure], other[figure])})`,
  );
}

type Lines = { reqVsWebot: number; reqVsCo: number; cpuVsBare: number; p99VsWebot: number; rssVsWebot: number; cpuVsCo?: number };

/** The plaintext lines: our echo against #36's, our keyword row against the earlier ones. */
function plaintextBudget(ours: Row, what: string, lines: Lines, row: (label: string) => Row): Verdict[] {
  const webot = row('node-webot');
  const co = row('co-wechat');
  return [
    faster(ours, webot, lines.reqVsWebot, what),
    faster(ours, co, lines.reqVsCo, what),
    atMost(ours, row('bare'), lines.cpuVsBare, 'cpuMicros', what),
    ...(lines.cpuVsCo === undefined ? [] : [atMost(ours, co, lines.cpuVsCo, 'cpuMicros', what)]),
    atMost(ours, webot, lines.p99VsWebot, 'p99', what),
    atMost(ours, webot, lines.rssVsWebot, 'peakRssMiB', what),
  ];
}

function budgets(row: (label: string) => Row): Verdict[] {
  const ours = row('ours');
  const oursAes = row('ours --aes');
  const keywords = row(KEYWORD_LABEL);
  const accounts = row(ACCOUNTS_LABEL);
  const watched = row(CONSOLE_LABEL);
  const ourErrors = ours.errors + oursAes.errors + keywords.errors + accounts.errors + watched.errors;
  return [
    ...plaintextBudget(ours, 'plaintext echo', BUDGET.plaintext, row),
    faster(oursAes, row('node-webot aes'), BUDGET.safe.reqVsWebot, 'safe mode'),
    faster(oursAes, row('co-wechat aes'), BUDGET.safe.reqVsCo, 'safe mode'),
    atMost(oursAes, row('co-wechat aes'), BUDGET.safe.cpuVsCo, 'cpuMicros', 'safe mode'),
    atMost(oursAes, row('node-webot aes'), BUDGET.safe.p99VsWebot, 'p99', 'safe mode'),
    ...plaintextBudget(keywords, `keyword rule (${KEYWORD_RULES} rules)`, BUDGET.keywords, row),
    atMost(accounts, ours, BUDGET.accountsVsOne, 'cpuMicros', `${ACCOUNTS} accounts:`),
    atMost(watched, ours, BUDGET.consoleVsOne, 'cpuMicros', 'a console watching:'),
    verdict(
      ourErrors === 0,
      `ours answered every request correctly, keyword rules, ${ACCOUNTS} accounts and a console watching included (errors: ${ourErrors})`,
    ),
  ];
}

function ratios(row: (label: string) => Row): string[] {
  const pair = (a: Row, b: Row): string => times(a.reqPerSec, b.reqPerSec);
  const keywords = row(KEYWORD_LABEL);
  return [
    '| ratio | plaintext echo | safe mode | 100 keyword rules |',
    '| --- | ---: | ---: | ---: |',
    `| ours ÷ node-webot, req/s | ${pair(row('ours'), row('node-webot'))} | ${pair(row('ours --aes'), row('node-webot aes'))} | ${pair(keywords, row('node-webot'))} |`,
    `| ours ÷ co-wechat, req/s | ${pair(row('ours'), row('co-wechat'))} | ${pair(row('ours --aes'), row('co-wechat aes'))} | ${pair(keywords, row('co-wechat'))} |`,
    `| ours ÷ bare, CPU per request | ${times(row('ours').cpuMicros, row('bare').cpuMicros)} | ${times(row('ours --aes').cpuMicros, row('bare aes').cpuMicros)} | ${times(keywords.cpuMicros, row('bare').cpuMicros)} |`,
    `| ours ÷ node-webot, p99 | ${times(row('ours').p99, row('node-webot').p99)} | ${times(row('ours --aes').p99, row('node-webot aes').p99)} | ${times(keywords.p99, row('node-webot').p99)} |`,
    `| ours ÷ co-wechat, CPU per request | ${times(row('ours').cpuMicros, row('co-wechat').cpuMicros)} | ${times(row('ours --aes').cpuMicros, row('co-wechat aes').cpuMicros)} | ${times(keywords.cpuMicros, row('co-wechat').cpuMicros)} |`,
    `| bare ÷ co-wechat, CPU per request (the floor's own ratio) | ${times(row('bare').cpuMicros, row('co-wechat').cpuMicros)} | ${times(row('bare aes').cpuMicros, row('co-wechat aes').cpuMicros)} | — |`,
    `| ${ACCOUNTS} accounts ÷ one, CPU per request | ${times(row(ACCOUNTS_LABEL).cpuMicros, row('ours').cpuMicros)} | — | — |`,
    `| a console watching ÷ none, CPU per request | ${times(row(CONSOLE_LABEL).cpuMicros, row('ours').cpuMicros)} | — | — |`,
  ];
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores, ${cpus[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()}, Node ${process.version}`;
}

/** The Markdown report of a comparison run, and whether every budget line passed. */
export function renderReport(
  results: readonly TargetResult[],
  settings: CompareSettings,
): { markdown: string; pass: boolean; errors: number } {
  const rows = results.map(toRow);
  const row = (label: string): Row => {
    const found = rows.find((r) => r.label === label);
    if (found === undefined) throw new Error(`no result for ${label}`);
    return found;
  };
  const verdicts = budgets(row);
  const problems = results.flatMap((r) => r.problems.map((p) => `- ${r.target.label}: ${p}`));
  // A server serves both modes, so its log is shown once, under its plaintext target.
  const logs = results
    .filter((r) => !r.target.safe && r.serverLog.lines > 0)
    .map(
      (r) =>
        `- ${r.target.server}: ${r.serverLog.lines} lines, ${r.serverLog.answered} "message answered", ${r.serverLog.notable} warnings or other output` +
        (r.serverLog.tail.length > 0 ? `; last: ${r.serverLog.tail.at(-1) ?? ''}` : ''),
    );
  const markdown = [
    '# Benchmark: ours vs node-webot (wechat 2.1), co-wechat 2.4 and bare node:http',
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${machineLine()}`,
    `- settings: ${settings.rounds} round(s) × ${settings.duration} s per target, interleaved, after ${settings.warmup} s warm-up per target; ` +
      `${settings.connections} connections, no pipelining, autocannon on 127.0.0.1`,
    `- configuration: ours as shipped, with \`.env.example\` (${shippedSummary()}), its stdout and stderr written to a file ` +
      '(bench/results/logs/), as a service under systemd; the peers with their defaults; NODE_ENV=production for all',
    `- pinning: ${settings.pin ? 'servers on core 1, load generator on core 0 (taskset)' : 'none (fewer than 2 cores or no taskset)'}`,
    '- load: POST of a signed text message with Chinese Content and a fresh MsgId per request, echoed by every server; safe mode encrypted (AES-256-CBC) with msg_signature',
    `- ${KEYWORD_LABEL}: our server (a second process, same settings) with REPLIES_FILE of ${KEYWORD_RULES} keyword rules (70 exact, 20 contains, 10 regex, interleaved; ` +
      'bench/keyword-replies.ts), sent text messages that only late rules match, in turn: the 100th rule (exact), the last contains rule but one, the last regex rule ($1 in its reply); ' +
      "held to the earlier plaintext lines against the peers' echo",
    `- ${ACCOUNTS_LABEL}: our server (a third process, same settings, WECHAT_* unset) with ACCOUNTS_FILE of ${ACCOUNTS} accounts (bench/accounts-file.ts), ` +
      `the benchmark's account last, the ${ACCOUNTS - 1} others with names, AppIDs, tokens and keys of their own, none with a replies file; ` +
      `sent the plaintext echo load at WECHAT_PATH/<name>; its CPU per request held to ${fixed(BUDGET.accountsVsOne, 2)}× ours with one account`,
    `- ${CONSOLE_LABEL}: our server (a fourth process, same settings, ADMIN_TOKEN set) with a console signed in and reading the live stream ` +
      `(bench/console-watch.ts) throughout; sent the plaintext echo load; its CPU per request held to ${fixed(BUDGET.consoleVsOne, 2)}× ours without`,
    "- checks: every response's status; the first 20 and every 50th reply opened and checked (parties swapped, Content echoed or the rule's reply; safe mode: MsgSignature, decrypted, AppID)",
    "- medians over rounds; peak RSS is the server process's VmHWM; server CPU from `/proc/<pid>/stat` (utime + stime) over the window ÷ responses",
    '',
    ...table(rows),
    '',
    ...ratios(row),
    '',
    '## Budget',
    '',
    ...verdicts.map((v) => v.line),
    ...(problems.length > 0 ? ['', '## Problems seen', '', ...problems] : []),
    ...(logs.length > 0 ? ['', '## Server logs', '', ...logs] : []),
    '',
  ].join('\n');
  return { markdown, pass: verdicts.every((v) => v.pass), errors: rows.reduce((sum, r) => sum + r.errors, 0) };
}
