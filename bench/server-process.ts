import { spawn } from 'node:child_process';
import { closeSync, createReadStream, mkdirSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { serverEnv } from './settings.js';

/** The core servers run on; the load generator has core 0. */
export const SERVER_CORE = '1';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Where its stdout and stderr go, as a service's log under systemd. */
  readonly logFile: string;
  stop(): Promise<void>;
}

/** What a server wrote to its log. */
export interface LogSummary {
  readonly lines: number;
  /** Our server's one line per message. */
  readonly answered: number;
  /** Lines that are not pino lines below `warn` (warnings, errors, anything else), and the last few. */
  readonly notable: number;
  readonly tail: string[];
}

export const LOGS_DIR = fileURLToPath(new URL('./results/logs/', import.meta.url));

/** A port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether something accepts connections on 127.0.0.1:`port` now. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

const WARN = 40;

function isNotable(line: string): boolean {
  if (!line.startsWith('{')) return true;
  try {
    const level = (JSON.parse(line) as { level?: unknown }).level;
    return typeof level !== 'number' || level >= WARN;
  } catch {
    return true;
  }
}

/** Reads a server's log after it stopped: how many lines, messages answered, and what stood out. */
export async function summarizeLog(logFile: string): Promise<LogSummary> {
  let lines = 0;
  let answered = 0;
  let notable = 0;
  const tail: string[] = [];
  for await (const line of createInterface({ input: createReadStream(logFile), crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    lines += 1;
    if (line.includes('"msg":"message answered"')) answered += 1;
    else if (isNotable(line)) {
      notable += 1;
      tail.push(line.slice(0, 300));
      if (tail.length > 5) tail.shift();
    }
  }
  return { lines, answered, notable, tail };
}

function lastLines(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').trim().split('\n').slice(-5).join(' | ');
  } catch {
    return '';
  }
}

/**
 * Starts `node <args>` pinned to the server core (when `pin`), with the benchmark's
 * configuration (`.env.example` too when `shipped`; the accounts of `accountsFile` instead
 * of the single account's variables when given) and `extraEnv`, its output going to
 * `LOGS_DIR/<file>.log`, and waits (at most 20 s) until it accepts connections.
 */
export async function startServer(
  name: string,
  args: readonly string[],
  options: { pin: boolean; cwd: string; shipped: boolean; file: string; accountsFile?: string; extraEnv?: NodeJS.ProcessEnv },
): Promise<ServerProcess> {
  const port = await freePort();
  const command = options.pin ? 'taskset' : process.execPath;
  const commandArgs = options.pin ? ['-c', SERVER_CORE, process.execPath, ...args] : [...args];
  mkdirSync(LOGS_DIR, { recursive: true });
  const logFile = `${LOGS_DIR}${options.file}.log`;
  const fd = openSync(logFile, 'w');
  const child = spawn(command, commandArgs, {
    cwd: options.cwd,
    env: { ...serverEnv(port, { shipped: options.shipped, accountsFile: options.accountsFile }), ...options.extraEnv },
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));

  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start listening on ${port}: ${lastLines(logFile) || 'no output'}`);
    }
    await sleep(100);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} has no pid`);

  return {
    name,
    pid,
    port,
    logFile,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exit.then(() => true), sleep(5_000).then(() => false)]);
      if (!killed) {
        child.kill('SIGKILL');
        await Promise.race([exit, sleep(2_000)]);
      }
    },
  };
}
