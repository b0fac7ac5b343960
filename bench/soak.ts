import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad, type LoadResult } from './load.js';
import type { Outgoing } from './messages.js';
import type { BenchOptions } from './options.js';
import { memoryMiB } from './proc-stats.js';
import { replyProblem } from './reply-check.js';
import { machineLine } from './report.js';
import { freePort, startServer, summarizeLog } from './server-process.js';
import { SoakMix, type SoakMessage } from './soak-messages.js';
import { shippedSummary } from './settings.js';
import { ROOT, SERVERS_DIR } from './targets.js';

interface HandlerRuns {
  total: number;
  duplicates: number;
  maxRuns: number;
}

const COUNTING_SERVER = new URL('./servers/ours-counting.mjs', import.meta.url).pathname;

/**
 * Our server alone, under a mix of texts, events and retries for 60 s: zero errors,
 * no retry re-runs the handler, every retry gets the first answer's bytes, and the RSS
 * at the end is within 10% of the RSS after the 10 s warm-up.
 */
export async function soak(options: BenchOptions, pin: boolean, log: (line: string) => void): Promise<{ markdown: string; pass: boolean }> {
  const seconds = options.explicitDuration ?? (options.quick ? 15 : 60);
  const warmSeconds = Math.min(10, Math.floor(seconds / 3));
  const controlPort = await freePort();
  const server = await startServer('ours (counting)', [COUNTING_SERVER], {
    pin,
    cwd: SERVERS_DIR,
    shipped: true,
    file: 'ours-soak',
    extraEnv: { CONTROL_PORT: String(controlPort) },
  });
  log(
    `started our server with a counting handler (pid ${server.pid}, port ${server.port}); soaking ${seconds} s at ${options.connections} connections`,
  );

  const mix = new SoakMix();
  let wrong = 0;
  let differing = 0;
  let answered = 0;
  const problems: string[] = [];
  const note = (problem: string): void => {
    if (problems.length < 5) problems.push(problem);
  };
  const onReply = (outgoing: Outgoing, status: number, body: string): void => {
    const message = outgoing as SoakMessage;
    const problem = replyProblem(status, body, message.expect);
    if (problem !== undefined) {
      if (status === 200) wrong += 1;
      note(`${message.retry ? 'retry' : 'original'}: ${problem}`);
    }
    if (status !== 200) return;
    const sent = message.sent;
    if (!sent.answered) {
      sent.answered = true;
      answered += 1;
    }
    if (sent.first === undefined) sent.first = body;
    else if (body !== sent.first) {
      differing += 1;
      note(`a retry's answer differs from the first: ${body.slice(0, 100)} vs ${sent.first.slice(0, 100)}`);
    }
  };

  const rss: { at: number; mib: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => rss.push({ at: (Date.now() - started) / 1000, mib: memoryMiB(server.pid, 'VmRSS') }), 5_000);
  let warmRss = Number.NaN;
  const warmTimer = setTimeout(() => (warmRss = memoryMiB(server.pid, 'VmRSS')), warmSeconds * 1000);
  let runs: HandlerRuns;
  let endRss: number;
  let peakRss: number;
  let result: LoadResult;
  try {
    result = await runLoad({ port: server.port, connections: options.connections, seconds, source: mix, onReply });
    endRss = memoryMiB(server.pid, 'VmRSS');
    peakRss = memoryMiB(server.pid, 'VmHWM');
    clearInterval(sampler);
    clearTimeout(warmTimer);
    await sleep(200); // requests cut off at the end finish on the server
    const response = await fetch(`http://127.0.0.1:${controlPort}/`, { signal: AbortSignal.timeout(5_000) });
    runs = (await response.json()) as HandlerRuns;
  } finally {
    clearInterval(sampler);
    clearTimeout(warmTimer);
    await server.stop();
  }

  const serverLog = await summarizeLog(server.logFile);
  const errors = result.errors + result.non2xx + wrong + differing;
  const growth = endRss / warmRss - 1;
  const verdicts = [
    {
      pass: errors === 0,
      text: `zero errors (connection errors/timeouts ${result.errors}, non-2xx ${result.non2xx}, wrong replies ${wrong}, retries answered differently ${differing})`,
    },
    {
      pass: runs.duplicates === 0 && runs.maxRuns <= 1 && runs.total <= mix.distinct && runs.total >= answered,
      text:
        `retries never re-ran the handler: ${runs.total} handler runs for ${mix.distinct} distinct messages sent ` +
        `(${answered} answered), ${mix.retries} retries; runs per message at most ${runs.maxRuns}, re-runs ${runs.duplicates}`,
    },
    {
      pass: Number.isFinite(growth) && growth <= 0.1,
      text: `RSS at the end within 10% of the warm-up RSS: ${endRss.toFixed(1)} MiB vs ${warmRss.toFixed(1)} MiB after ${warmSeconds} s (${(growth * 100).toFixed(1)}%)`,
    },
  ];
  const pass = verdicts.every((v) => v.pass);
  const middle = rss.find((sample) => sample.at >= seconds / 2 - 1);
  const secondHalf =
    middle === undefined
      ? 'too short to tell'
      : `${middle.mib.toFixed(1)} MiB at ${middle.at.toFixed(0)} s → ${endRss.toFixed(1)} MiB at the end (${((endRss / middle.mib - 1) * 100).toFixed(1)}%)`;
  const markdown = [
    `# Soak: ours, ${seconds} s at ${options.connections} connections`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${machineLine()}`,
    `- pinning: ${pin ? 'server on core 1, load generator on core 0' : 'none'}`,
    `- requests: ${result.responses} answered (${Math.round(result.reqPerSec)} req/s), p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`,
    `- mix: ${mix.texts} texts, ${mix.events} events (subscribe/SCAN/CLICK), ${mix.retries} retries ` +
      `(${((mix.retries / (mix.distinct + mix.retries)) * 100).toFixed(0)}% of requests); every reply checked`,
    `- RSS every 5 s (MiB): ${rss.map((s) => `${s.at.toFixed(0)}s ${s.mib.toFixed(1)}`).join(', ')}; peak (VmHWM) ${peakRss.toFixed(1)} MiB`,
    `- RSS over the second half (a leak shows here, warm-up does not): ${secondHalf}`,
    `- configuration: \`.env.example\` (${shippedSummary()}), stdout and stderr to ${relative(ROOT, server.logFile)}`,
    `- server log: ${serverLog.lines} lines, ${serverLog.answered} "message answered", ${serverLog.notable} warnings or other output` +
      (serverLog.tail.length > 0 ? `; last: ${serverLog.tail.at(-1) ?? ''}` : ''),
    '',
    '## Verdict',
    '',
    ...verdicts.map((v) => `- ${v.pass ? 'PASS' : 'FAIL'} ${v.text}`),
    `- ${pass ? 'PASS' : 'FAIL'} overall`,
    ...(problems.length > 0 ? ['', '## Problems seen', '', ...problems.map((p) => `- ${p}`)] : []),
    '',
  ].join('\n');
  return { markdown, pass };
}
