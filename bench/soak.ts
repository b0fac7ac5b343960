import { relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runLoad, type LoadResult } from './load.js';
import type { Outgoing } from './messages.js';
import type { BenchOptions } from './options.js';
import { memoryMiB } from './proc-stats.js';
import { replyProblem } from './reply-check.js';
import { fixed, machineLine, median } from './report.js';
import { freePort, startServer, summarizeLog } from './server-process.js';
import { SoakMix, type SoakMessage } from './soak-messages.js';
import { shippedSummary, WECHAT_PATH } from './settings.js';
import { ROOT, SERVERS_DIR, startFlags } from './targets.js';

interface HandlerRuns {
  total: number;
  duplicates: number;
  maxRuns: number;
}

const COUNTING_SERVER = new URL('./servers/ours-counting.mjs', import.meta.url).pathname;

/** How much the RSS may grow from the third quarter of the soak to the last: more is a leak. */
const FLAT_RSS_GROWTH = 0.05;

interface RssSample {
  readonly at: number;
  readonly mib: number;
}

/**
 * The RSS over the second half: the median of the samples in the last quarter against
 * the median of those in the third. Medians, because a young-generation GC swings the
 * RSS by tens of MiB from one sample to the next; a leak moves both quarters' medians.
 */
export function secondHalfGrowth(samples: readonly RssSample[], seconds: number): { third: number; last: number; growth: number } {
  const third = median(samples.filter((s) => s.at >= seconds / 2 && s.at < (seconds * 3) / 4).map((s) => s.mib));
  const last = median(samples.filter((s) => s.at >= (seconds * 3) / 4).map((s) => s.mib));
  return { third, last, growth: last / third - 1 };
}

/**
 * Our server alone, at the shipped defaults, under a mix of texts, events and retries
 * for 60 s: zero errors, no retry re-runs the handler, every retry gets the first
 * answer's bytes, and the RSS is flat over the second half. `correct` is the first
 * two alone (all a short run can judge).
 */
export async function soak(
  options: BenchOptions,
  pin: boolean,
  log: (line: string) => void,
): Promise<{ markdown: string; pass: boolean; correct: boolean }> {
  const seconds = options.soakSeconds;
  const warmSeconds = Math.min(10, Math.floor(seconds / 3));
  const sampleEvery = Math.max(1, Math.round(seconds / 30));
  const pace = options.soakRate === undefined ? '' : `, ${options.soakRate} requests a second`;
  const controlPort = await freePort();
  const server = await startServer('ours (counting)', [...startFlags(), COUNTING_SERVER], {
    pin,
    cwd: SERVERS_DIR,
    shipped: true,
    file: 'ours-soak',
    extraEnv: { CONTROL_PORT: String(controlPort) },
  });
  log(
    `started our server with a counting handler (pid ${server.pid}, port ${server.port}); soaking ${seconds} s at ${options.connections} connections${pace}`,
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

  const rss: RssSample[] = [];
  const started = Date.now();
  const sampler = setInterval(
    () => rss.push({ at: (Date.now() - started) / 1000, mib: memoryMiB(server.pid, 'VmRSS') }),
    sampleEvery * 1000,
  );
  let warmRss = Number.NaN;
  const warmTimer = setTimeout(() => (warmRss = memoryMiB(server.pid, 'VmRSS')), warmSeconds * 1000);
  let runs: HandlerRuns;
  let endRss: number;
  let peakRss: number;
  let result: LoadResult;
  try {
    result = await runLoad({
      port: server.port,
      path: WECHAT_PATH,
      connections: options.connections,
      seconds,
      rate: options.soakRate,
      source: mix,
      onReply,
    });
    endRss = memoryMiB(server.pid, 'VmRSS');
    rss.push({ at: (Date.now() - started) / 1000, mib: endRss });
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
  const flat = secondHalfGrowth(rss, seconds);
  const noReruns = runs.duplicates === 0 && runs.maxRuns <= 1 && runs.total <= mix.distinct && runs.total >= answered;
  // Each answer is one "message answered" line, retries and events included; the last few
  // requests, answered after the load generator stopped counting, may add a line each.
  const logged = serverLog.answered >= result.responses && serverLog.answered <= result.responses + options.connections;
  const verdicts = [
    {
      pass: logged,
      text: `every answer logged: ${serverLog.answered} "message answered" lines for ${result.responses} answers`,
    },
    {
      pass: errors === 0,
      text: `zero errors (connection errors/timeouts ${result.errors}, non-2xx ${result.non2xx}, wrong replies ${wrong}, retries answered differently ${differing})`,
    },
    {
      pass: noReruns,
      text:
        `zero handler re-runs: ${runs.total} handler runs for ${mix.distinct} distinct messages sent ` +
        `(${answered} answered), ${mix.retries} retries; runs per message at most ${runs.maxRuns}, re-runs ${runs.duplicates}`,
    },
    {
      pass: Number.isFinite(flat.growth) && flat.growth <= FLAT_RSS_GROWTH,
      text:
        `RSS flat over the second half (the last quarter's median at most ${FLAT_RSS_GROWTH * 100}% above the third quarter's): ` +
        `${fixed(flat.last, 1)} MiB vs ${fixed(flat.third, 1)} MiB (${fixed(flat.growth * 100, 1)}%)`,
    },
  ];
  const pass = verdicts.every((v) => v.pass);
  const correct = errors === 0 && noReruns && logged;
  const markdown = [
    `# Soak: ours at the shipped defaults, ${seconds} s at ${options.connections} connections${pace}`,
    '',
    `- date: ${new Date().toISOString()}`,
    `- machine: ${machineLine()}`,
    `- pinning: ${pin ? 'server on core 1, load generator on core 0' : 'none'}`,
    `- requests: ${result.responses} answered (${Math.round(result.reqPerSec)} req/s), p50 ${result.p50.toFixed(2)} ms, p99 ${result.p99.toFixed(2)} ms`,
    `- mix: ${mix.texts} texts, ${mix.events} events (subscribe/SCAN/CLICK), ${mix.retries} retries ` +
      `(${((mix.retries / (mix.distinct + mix.retries)) * 100).toFixed(0)}% of requests); every reply checked`,
    `- RSS every ${sampleEvery} s (MiB): ${rss.map((s) => `${s.at.toFixed(0)}s ${s.mib.toFixed(1)}`).join(', ')}; peak (VmHWM) ${peakRss.toFixed(1)} MiB`,
    `- RSS after the ${warmSeconds} s warm-up ${fixed(warmRss, 1)} MiB, at the end ${endRss.toFixed(1)} MiB`,
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
  return { markdown, pass, correct };
}
