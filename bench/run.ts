import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { compare } from './compare.js';
import { parseOptions, type BenchOptions } from './options.js';
import { renderReport } from './report.js';
import { soak } from './soak.js';
import { ROOT } from './targets.js';

/** `npm run bench`: builds, then runs the comparison (or the soak) and reports. */

const LOAD_CORE = '0';
const RESULTS = new URL('./results/', import.meta.url);

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

/** Pins this process (the load generator), all its threads, to the load core. */
function pinSelf(): boolean {
  if (os.cpus().length < 2 || !existsSync('/usr/bin/taskset')) {
    log('fewer than 2 cores or no taskset: running unpinned');
    return false;
  }
  execFileSync('taskset', ['-a', '-p', '-c', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });
  return true;
}

function build(): void {
  log('building (npm run build)…');
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], timeout: 300_000 });
}

/** The report's text and whether it passes: in a quick run, only whether every answer was right. */
interface Outcome {
  readonly markdown: string;
  readonly pass: boolean;
}

async function runComparison(options: BenchOptions, pin: boolean): Promise<Outcome> {
  const settings = { duration: options.duration, rounds: options.rounds, connections: options.connections, warmup: options.warmup, pin };
  const results = await compare(settings, log);
  const { markdown, pass, errors } = renderReport(results, settings);
  // A smoke run is too short to judge the budget; it fails only on wrong answers.
  return { markdown, pass: options.quick ? errors === 0 : pass };
}

async function runSoak(options: BenchOptions, pin: boolean): Promise<Outcome> {
  const { markdown, pass, correct } = await soak(options, pin, log);
  // Nor can a short soak judge the RSS; it fails on errors and handler re-runs.
  return { markdown, pass: options.quick ? correct : pass };
}

function write(name: string, markdown: string): void {
  mkdirSync(RESULTS, { recursive: true });
  const file = new URL(name, RESULTS);
  writeFileSync(file, markdown);
  log(`written to ${file.pathname}`);
}

async function main(): Promise<number> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    log((error as Error).message);
    return 2;
  }
  const pin = pinSelf();
  build();
  const outcomes: Outcome[] = [];
  if (options.run !== 'soak') outcomes.push(await runComparison(options, pin));
  if (options.run !== 'compare') outcomes.push(await runSoak(options, pin));
  const markdown = outcomes.map((outcome) => outcome.markdown).join('\n');
  process.stdout.write(`\n${markdown}`);
  const name = options.run === 'soak' ? 'soak-latest' : 'latest';
  write(`${options.quick ? name.replace('latest', 'quick') : name}.md`, markdown);
  return outcomes.every((outcome) => outcome.pass) ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
