import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { TEST_TOKEN } from '../helpers/start-app.js';
import { exchange, textXml } from '../helpers/wechat.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
/** PATH with this node first: the bin's `#!/usr/bin/env node` finds it, and npm runs under it. */
const PATH = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);

interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end and collects its output. */
function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = { ...process.env, PATH }): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What a fresh clone does not hold: installed, built, local and generated files. */
const NOT_IN_A_CLONE = new Set(['node_modules', 'dist', '.git', '.env', 'test-artifacts', 'coverage', join('bench', 'results')]);

/**
 * `npm pack` in a copy of the repository as a fresh clone has it (no dist/), then the
 * tarball installed in an empty app with `--omit=dev`, as a user's project would: the
 * entry is imported by plain node (no tsx, no devDependency anywhere) and the `bin` runs.
 * Takes about 30–60 s: the pack compiles the whole of src/.
 */
describe('the package, packed from a fresh clone and installed without devDependencies', { timeout: 300_000 }, () => {
  let work = '';
  let tarball = '';
  let packed: string[] = [];
  let app = '';

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'package-'));
    const clone = join(work, 'clone');
    cpSync(root, clone, { recursive: true, filter: (source) => !NOT_IN_A_CLONE.has(relative(root, source)) });
    // The clone's `npm ci`, without the time it takes: prepack needs the compiler.
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'), 'dir');
    assert.equal(existsSync(join(clone, 'dist')), false);

    const pack = await run('npm', ['pack', '--pack-destination', work, '--no-audit', '--no-fund'], clone);
    assert.equal(pack.code, 0, `npm pack failed: ${pack.stderr}`);
    const name = readdirSync(work).find((file) => file.endsWith('.tgz'));
    assert.ok(name, `no tarball in ${readdirSync(work).join(', ')}`);
    tarball = join(work, name);
    packed = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);

    app = join(work, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'my-account', private: true, type: 'module' }));
    // The dependencies come from npm's cache, filled by the `npm ci` that installed this repository.
    const install = await run(
      'npm',
      ['install', tarball, '--omit=dev', '--prefer-offline', '--no-audit', '--no-fund', '--no-package-lock'],
      app,
    );
    assert.equal(install.code, 0, `npm install failed: ${install.stderr}`);
  });

  after(() => rmSync(work, { recursive: true, force: true }));

  it('npm pack built dist/ (prepack) and ships it, README, CHANGELOG and .env.example, not the sources, tests or build info', () => {
    const entries = ['index', 'protocol', 'api', 'testing'].flatMap((entry) => [`dist/${entry}.js`, `dist/${entry}.d.ts`]);
    for (const file of [...entries, 'dist/server.js', 'dist/cli/simulate.js', 'README.md', 'CHANGELOG.md', '.env.example']) {
      assert.ok(packed.includes(`package/${file}`), `${file} is in the package`);
    }
    for (const file of packed) assert.doesNotMatch(file, /^package\/(src|test|bench|node_modules)\/|\.tsbuildinfo$|^package\/\.env$/);
  });

  it('the install holds the dependencies only: no devDependency (tsx, typescript) to lean on', () => {
    assert.ok(existsSync(join(app, 'node_modules', 'express')));
    assert.equal(existsSync(join(app, 'node_modules', 'tsx')), false);
    assert.equal(existsSync(join(app, 'node_modules', 'typescript')), false);
  });

  it('plain node imports the entry, createApp(loadConfig(…)) answers a signed message, and each subpath imports', async () => {
    writeFileSync(
      join(app, 'start.mjs'),
      [
        "import { createApp, loadConfig } from 'wechat-oa-server';",
        `const app = createApp(loadConfig({ WECHAT_TOKEN: '${TEST_TOKEN}', LOG_LEVEL: 'silent' }));`,
        "const server = app.listen(0, '127.0.0.1');",
        "server.on('listening', () => console.log(JSON.stringify({ port: server.address().port, entry: import.meta.resolve('wechat-oa-server') })));",
        "process.on('SIGTERM', () => server.close(() => process.exit(0)));",
      ].join('\n'),
    );
    const child = spawn(process.execPath, ['start.mjs'], { cwd: app, env: { PATH }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 15_000;
      while (!stdout.includes('\n')) {
        assert.ok(child.exitCode === null, `the app exited: ${stderr}`);
        assert.ok(Date.now() < deadline, `the app did not listen: ${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      const { port, entry } = JSON.parse(stdout) as { port: number; entry: string };
      assert.ok(fileURLToPath(entry).startsWith(join(app, 'node_modules', 'wechat-oa-server', 'dist')), entry);
      const baseUrl = `http://127.0.0.1:${port}`;
      const reply = await exchange(baseUrl, textXml('你好'));
      assert.equal(reply.Content, '你好');

      // (b) The bin: the simulator, run by the shebang's node, against that app.
      const bin = join(app, 'node_modules', '.bin', 'wechat-simulate');
      const help = await run(bin, ['--help'], app, { PATH });
      assert.equal(help.code, 0, help.stderr);
      assert.match(help.stdout, /^usage: wechat-simulate \[--url URL\]/);
      const simulated = await run(bin, ['--url', `${baseUrl}/wechat`, 'text', '你好'], app, { PATH, WECHAT_TOKEN: TEST_TOKEN });
      assert.equal(simulated.code, 0, simulated.stderr);
      assert.match(simulated.stdout, /reply: text\n {2}Content: 你好\n/);

      // (c) The subpaths of "exports": `./testing` signs a message to that app and checks
      // the answer, `./protocol` and `./api` load; a module the map does not name is refused.
      writeFileSync(
        join(app, 'subpaths.mjs'),
        [
          "import { createWeChatSide } from 'wechat-oa-server/testing';",
          "import { sign, verifySignature } from 'wechat-oa-server/protocol';",
          "import { createWeChatApi } from 'wechat-oa-server/api';",
          `const wechat = createWeChatSide({ token: '${TEST_TOKEN}' });`,
          "const { query, body } = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: '子路径' }));",
          "const response = await fetch(`${process.argv[2]}/wechat?${query}`, { method: 'POST', body });",
          'const { reply } = wechat.checkReply(response.status, await response.text());',
          "const closed = await import('wechat-oa-server/dist/services.js').then(() => 'loaded', (error) => error.code);",
          'console.log(JSON.stringify({',
          '  content: reply?.Content,',
          "  verified: verifySignature(sign('t', '1', 'n'), 't', '1', 'n'),",
          '  api: typeof createWeChatApi,',
          "  resolved: ['testing', 'protocol', 'api'].map((name) => import.meta.resolve(`wechat-oa-server/${name}`)),",
          '  closed,',
          '}));',
        ].join('\n'),
      );
      const subpaths = await run(process.execPath, ['subpaths.mjs', baseUrl], app, { PATH });
      assert.equal(subpaths.code, 0, subpaths.stderr);
      const used = JSON.parse(subpaths.stdout) as { content: string; verified: boolean; api: string; resolved: string[]; closed: string };
      assert.deepEqual([used.content, used.verified, used.api, used.closed], ['子路径', true, 'function', 'ERR_PACKAGE_PATH_NOT_EXPORTED']);
      for (const [i, name] of ['testing', 'protocol', 'api'].entries()) {
        assert.equal(fileURLToPath(used.resolved[i] ?? ''), join(app, 'node_modules', 'wechat-oa-server', 'dist', `${name}.js`));
      }
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('the bin is the built simulator, with its shebang', () => {
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', 'wechat-oa-server', 'package.json'), 'utf8')) as {
      bin?: Record<string, string>;
    };
    assert.deepEqual(manifest.bin, { 'wechat-simulate': 'dist/cli/simulate.js' });
    const simulator = readFileSync(join(app, 'node_modules', 'wechat-oa-server', 'dist', 'cli', 'simulate.js'), 'utf8');
    assert.match(simulator, /^#!\/usr\/bin\/env node\n/);
  });
});
