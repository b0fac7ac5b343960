import { setTimeout as sleep } from 'node:timers/promises';
import { writeAccountsFile } from './accounts-file.js';
import { writeKeywordReplies } from './keyword-replies.js';
import { runLoad } from './load.js';
import { MessagePool } from './message-pool.js';
import { cpuSeconds, memoryMiB } from './proc-stats.js';
import { SampledCheck } from './sampled-check.js';
import { CONSOLE_TOKEN, watchLiveStream } from './console-watch.js';
import { startServer, summarizeLog, type LogSummary, type ServerProcess } from './server-process.js';
import { SERVER_ARGS, SERVERS_DIR, TARGETS, WEBHOOK_PATH, type ServerName, type Target } from './targets.js';

export interface CompareSettings {
  readonly duration: number;
  readonly rounds: number;
  readonly connections: number;
  readonly warmup: number;
  readonly pin: boolean;
}

/** One measured window of one target. */
export interface Measurement {
  readonly reqPerSec: number;
  readonly p50: number;
  readonly p99: number;
  /** Server CPU time (user + system) per completed request, in microseconds. */
  readonly cpuMicros: number;
  readonly responses: number;
  /** Connection errors + timeouts + non-2xx + 200s with a wrong body. */
  readonly errors: number;
  readonly checked: number;
  /** The load generator's own CPU use, percent of one core. */
  readonly generatorCpu: number;
  /** Requests built during the window because the pool ran out. */
  readonly builtLive: number;
}

export interface TargetResult {
  readonly target: Target;
  readonly rounds: Measurement[];
  readonly warmupErrors: number;
  peakRssMiB: number;
  readonly problems: string[];
  serverLog: LogSummary;
}

const CHECK_EVERY = 50;
/** At most this many prebuilt requests (about 2 KB each); past it they are built live. */
const POOL_MAX = 200_000;

async function measure(
  server: ServerProcess,
  target: Target,
  seconds: number,
  connections: number,
  poolSize: number,
): Promise<Measurement & { problems: string[] }> {
  const pool = new MessagePool(target, poolSize);
  const check = new SampledCheck(CHECK_EVERY);
  const cpuBefore = cpuSeconds(server.pid);
  const ownBefore = process.cpuUsage();
  const result = await runLoad({
    port: server.port,
    path: WEBHOOK_PATH[target.server],
    connections,
    seconds,
    source: pool,
    onReply: check.onReply,
  });
  const own = process.cpuUsage(ownBefore);
  const cpuUsed = cpuSeconds(server.pid) - cpuBefore;
  return {
    reqPerSec: result.reqPerSec,
    p50: result.p50,
    p99: result.p99,
    cpuMicros: result.responses > 0 ? (cpuUsed / result.responses) * 1e6 : Number.NaN,
    responses: result.responses,
    errors: result.errors + result.non2xx + check.wrong,
    checked: check.checked,
    generatorCpu: ((own.user + own.system) / 1e6 / result.seconds) * 100,
    builtLive: pool.builtLive,
    problems: check.problems,
  };
}

/**
 * Starts every server (pinned to the server core), warms each target up, then measures
 * the targets interleaved, round after round, each round in a rotated order.
 */
export async function compare(settings: CompareSettings, log: (line: string) => void): Promise<TargetResult[]> {
  const servers = new Map<ServerName, ServerProcess>();
  const replies = writeKeywordReplies();
  const accounts = writeAccountsFile();
  // The console of `ours-console`, watching from start to end.
  const watching = new AbortController();
  let results: TargetResult[];
  try {
    for (const name of Object.keys(SERVER_ARGS) as ServerName[]) {
      // Ours with `.env.example` (the default LOG_LEVEL among it), the peers with their defaults.
      const ours = name === 'ours' || name === 'ours-keywords' || name === 'ours-accounts' || name === 'ours-console';
      const server = await startServer(name, SERVER_ARGS[name], {
        pin: settings.pin,
        cwd: SERVERS_DIR,
        shipped: ours,
        file: name,
        accountsFile: name === 'ours-accounts' ? accounts.file : undefined,
        extraEnv: name === 'ours-keywords' ? { REPLIES_FILE: replies.file } : name === 'ours-console' ? { ADMIN_TOKEN: CONSOLE_TOKEN } : {},
      });
      servers.set(name, server);
      if (name === 'ours-console') await watchLiveStream(server.port, watching.signal);
      log(`started ${name} (pid ${server.pid}, port ${server.port})`);
    }
    const serverOf = (target: Target): ServerProcess => {
      const server = servers.get(target.server);
      if (server === undefined) throw new Error(`${target.server} is not running`);
      return server;
    };

    const byTarget = new Map<Target, TargetResult>();
    const warmRate = new Map<Target, number>();
    const measuredRate = new Map<Target, number>();
    for (const target of TARGETS) {
      const warm = await measure(serverOf(target), target, settings.warmup, settings.connections, 0);
      warmRate.set(target, warm.reqPerSec);
      byTarget.set(target, {
        target,
        rounds: [],
        warmupErrors: warm.errors,
        peakRssMiB: 0,
        problems: [...warm.problems],
        serverLog: { lines: 0, answered: 0, notable: 0, tail: [] },
      });
      log(`warm-up ${target.label}: ${Math.round(warm.reqPerSec)} req/s, ${warm.errors} errors`);
    }

    for (let round = 0; round < settings.rounds; round++) {
      const order = TARGETS.map((_, i) => TARGETS[(i + round) % TARGETS.length] as Target);
      for (const target of order) {
        // Enough prebuilt requests for the window: twice the warm-up rate (a cold server
        // is slower), then the best measured rate with a margin.
        const measured = measuredRate.get(target);
        const rate = measured === undefined ? 2 * (warmRate.get(target) ?? 1000) : 1.25 * measured;
        const poolSize = Math.min(POOL_MAX, Math.ceil(rate * settings.duration) + 2000);
        const m = await measure(serverOf(target), target, settings.duration, settings.connections, poolSize);
        measuredRate.set(target, Math.max(measured ?? 0, m.reqPerSec));
        const result = byTarget.get(target) as TargetResult;
        result.rounds.push(m);
        for (const problem of m.problems) if (result.problems.length < 3) result.problems.push(problem);
        log(
          `round ${round + 1}/${settings.rounds} ${target.label.padEnd(24)} ${Math.round(m.reqPerSec)} req/s` +
            `  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  cpu ${m.cpuMicros.toFixed(0)} µs/req` +
            `  errors ${m.errors}  load-gen cpu ${m.generatorCpu.toFixed(0)}%${m.builtLive > 0 ? `  (built live: ${m.builtLive})` : ''}`,
        );
        await sleep(300);
      }
    }

    for (const result of byTarget.values()) result.peakRssMiB = memoryMiB(serverOf(result.target).pid, 'VmHWM');
    results = [...byTarget.values()];
  } finally {
    watching.abort();
    await Promise.all([...servers.values()].map((server) => server.stop()));
    replies.remove();
    accounts.remove();
  }
  // Read once every server has stopped (and flushed what it still held).
  for (const result of results) {
    const server = servers.get(result.target.server);
    if (server !== undefined) result.serverLog = await summarizeLog(server.logFile);
  }
  return results;
}
