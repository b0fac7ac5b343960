import { spawn, type ChildProcess } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { serverEnv } from './settings.js';

/** The core servers run on; the load generator has core 0. */
export const SERVER_CORE = '1';

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** Lines the server wrote to stdout/stderr (warnings, errors), and the last few of them. */
  readonly output: { lines: number; tail: string[] };
  stop(): Promise<void>;
}

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

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function collectOutput(child: ChildProcess, output: { lines: number; tail: string[] }): void {
  const take = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      output.lines += 1;
      output.tail.push(line.slice(0, 300));
      if (output.tail.length > 5) output.tail.shift();
    }
  };
  child.stdout?.on('data', take);
  child.stderr?.on('data', take);
}

/**
 * Starts `node <args>` pinned to the server core (when `pin`), with the benchmark's
 * configuration and `extraEnv`, and waits (at most 20 s) until it accepts connections.
 */
export async function startServer(
  name: string,
  args: readonly string[],
  options: { pin: boolean; cwd: string; extraEnv?: NodeJS.ProcessEnv },
): Promise<ServerProcess> {
  const port = await freePort();
  const command = options.pin ? 'taskset' : process.execPath;
  const commandArgs = options.pin ? ['-c', SERVER_CORE, process.execPath, ...args] : [...args];
  const child = spawn(command, commandArgs, {
    cwd: options.cwd,
    env: { ...serverEnv(port), ...options.extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { lines: 0, tail: [] as string[] };
  collectOutput(child, output);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exit.then(() => (exited = true));

  const deadline = Date.now() + 20_000;
  while (!(await accepts(port))) {
    if (exited || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name} did not start listening on ${port}: ${output.tail.join(' | ') || 'no output'}`);
    }
    await sleep(100);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name} has no pid`);

  return {
    name,
    pid,
    port,
    output,
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
