import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const serverEntry = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');

export interface ServerProcess {
  readonly child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code once the process has ended. */
  readonly exited: Promise<number | null>;
}

/**
 * Runs `src/server.ts` as `npm start` would, in a fresh directory (so no developer's
 * .env leaks in), with exactly `env` plus PATH, an optional `.env` file and other files there.
 */
export function runServer(env: Record<string, string>, dotenv?: string, files: Record<string, string> = {}): ServerProcess {
  const cwd = mkdtempSync(join(tmpdir(), 'wechat-server-'));
  if (dotenv !== undefined) writeFileSync(join(cwd, '.env'), dotenv);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(cwd, name), text);
  const child = spawn(process.execPath, ['--import', tsxLoader, serverEntry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const running: ServerProcess = {
    child,
    stdout: '',
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
  };
  child.stdout?.on('data', (chunk: Buffer) => (running.stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (running.stderr += chunk.toString('utf8')));
  return running;
}

/** Waits until the server logs that it listens; fails if it exits first. */
export async function untilListening(server: ServerProcess, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!server.stdout.includes('"listening"')) {
    if (server.child.exitCode !== null) throw new Error(`server exited: ${server.stderr}`);
    if (Date.now() > deadline) throw new Error(`server did not listen: ${server.stdout} ${server.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
