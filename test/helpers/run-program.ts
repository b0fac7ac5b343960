import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const tsxLoader = import.meta.resolve('tsx');

export interface ProgramResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ProgramOptions {
  /** The working directory; by default a fresh empty one, so no developer's .env leaks in. */
  readonly cwd?: string;
  /** The environment, besides PATH: nothing else of the tests' own is passed on. */
  readonly env?: Record<string, string>;
  /** What the program reads on stdin (closed at once when absent). */
  readonly input?: string;
}

/** Runs a TypeScript program (`src/cli/…`) as `npm run` would, and collects its output. */
export function runProgram(file: string, args: readonly string[] = [], options: ProgramOptions = {}): Promise<ProgramResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, file, ...args], {
      cwd: options.cwd ?? mkdtempSync(join(tmpdir(), 'program-')),
      env: { PATH: process.env.PATH ?? '', ...options.env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdin.end(options.input ?? '');
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}
