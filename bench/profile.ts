import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { flameGraph, type CpuProfile } from './flame-graph.js';
import { runLoad } from './load.js';
import { freshTextMessage } from './messages.js';
import { accepts, freePort } from './server-process.js';
import { serverEnv, WECHAT_PATH } from './settings.js';
import { ROOT, SERVER_ARGS } from './targets.js';

/**
 * `npm run bench:profile [-- --aes]`: our server as `npm run bench` runs it (the shipped
 * defaults, pinned to core 1, 50 connections from core 0), under `node --cpu-prof` for
 * 12 s after a 3 s warm-up; writes the profile to bench/results/ (open it in Chrome's
 * DevTools or speedscope) with its flame graph as an SVG beside it (flame-graph.ts), and
 * prints where the busy time went, by module and by function (self time).
 */

const safe = process.argv.includes('--aes');
const out = join(ROOT, 'bench', 'results', `profile${safe ? '-aes' : ''}`);

/** `npm:<package>`, a file of ours (dist/…), `node:…`, or what V8 calls it. */
function moduleOf(url: string, name: string): string {
  if (url === '') return `(${name || 'native'})`;
  const path = url.replace(/^file:\/\//, '').replace(ROOT, '');
  if (path.includes('node_modules/')) return `npm:${path.split('node_modules/').pop()?.split('/')[0] ?? ''}`;
  return path;
}

function summarise(profile: CpuProfile): string[] {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byModule = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, index) => {
    const node = nodes.get(id);
    const micros = profile.timeDeltas[index] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    busy += micros;
    const { functionName, url, lineNumber } = node.callFrame;
    const module = moduleOf(url, functionName);
    byModule.set(module, (byModule.get(module) ?? 0) + micros);
    const where = url === '' ? '' : ` ${module}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + micros);
  });
  const rows = (table: Map<string, number>, count: number): string[] =>
    [...table]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, micros]) => `| ${((100 * micros) / busy).toFixed(1)} % | \`${key}\` |`);
  return [
    `busy: ${(busy / 1e6).toFixed(2)} s of the profile (idle left out)`,
    '',
    '| self time | module |',
    '| ---: | --- |',
    ...rows(byModule, 15),
    '',
    '| self time | function |',
    '| ---: | --- |',
    ...rows(byFunction, 20),
  ];
}

async function main(): Promise<void> {
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const port = await freePort();
  const env = { ...serverEnv(port, { shipped: true }), NODE_ENV: 'production' };
  const server = spawn('taskset', ['-c', '1', process.execPath, '--cpu-prof', `--cpu-prof-dir=${out}`, ...SERVER_ARGS.ours], {
    env,
    stdio: 'ignore',
  });
  const exited = new Promise((resolve) => server.once('exit', resolve));
  try {
    const deadline = Date.now() + 15_000;
    while (!(await accepts(port))) {
      if (Date.now() > deadline) throw new Error('the server did not start');
      await sleep(50);
    }
    const load = (seconds: number) =>
      runLoad({
        port,
        path: WECHAT_PATH,
        connections: 50,
        seconds,
        source: { next: () => freshTextMessage(safe) },
        onReply: () => undefined,
      });
    await load(3);
    const result = await load(12);
    console.log(`${safe ? 'safe mode' : 'plaintext'}: ${Math.round(result.reqPerSec)} req/s, ${result.errors + result.non2xx} errors`);
  } finally {
    // SIGINT: the server finishes, and node writes the profile as it exits.
    server.kill('SIGINT');
    await exited;
  }
  const file = readdirSync(out).find((name) => name.endsWith('.cpuprofile'));
  if (file === undefined) throw new Error('no profile written');
  const profile = JSON.parse(readFileSync(join(out, file), 'utf8')) as CpuProfile;
  const title = `${safe ? 'safe mode' : 'plaintext'} echo at the shipped defaults, 50 connections, 12 s — ${new Date().toISOString().slice(0, 16)}Z`;
  writeFileSync(join(out, 'flame.svg'), flameGraph(profile, ROOT, title));
  console.log(`profile: ${join(out, file)}\nflame graph: ${join(out, 'flame.svg')}\n`);
  console.log(summarise(profile).join('\n'));
}

await main();
