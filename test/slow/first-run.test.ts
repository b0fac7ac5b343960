import { stripVTControlCharacters } from 'node:util';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { runServer, untilListening } from '../helpers/run-server.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const serverEntry = join(root, 'src/server.ts');
const simulator = join(root, 'src/cli/simulate.ts');
const tsxLoader = import.meta.resolve('tsx');
const hasScript = spawnSync('script', ['--version']).status === 0;

/** A fresh directory holding only a copy of the repository's .env.example, as a fresh clone has. */
function freshClone(): string {
  const dir = mkdtempSync(join(tmpdir(), 'first-run-'));
  copyFileSync(join(root, '.env.example'), join(dir, '.env.example'));
  return dir;
}

const shellQuote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

describe('first run: npm start on a fresh clone', () => {
  it(
    'in a terminal, with no .env and no WECHAT_TOKEN: writes .env with a new token, says so in one line, serves, and the simulator works',
    {
      skip: hasScript ? false : 'script (util-linux) is not installed',
    },
    async () => {
      const dir = freshClone();
      const port = await freePort();
      // script(1) gives the server a pseudo-terminal as stdin and stdout, as a person's shell does.
      const command = [process.execPath, '--import', tsxLoader, serverEntry].map(shellQuote).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', TERM: 'dumb' },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      // Logs are coloured in a terminal: read them as a person sees them.
      child.stdout.on('data', (chunk: Buffer) => (output += stripVTControlCharacters(chunk.toString('utf8'))));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        const deadline = Date.now() + 20_000;
        while (!/\blistening\b/.test(output)) {
          assert.ok(Date.now() < deadline && child.exitCode === null, `the server did not start: ${output}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        const notices = output.split(/\r?\n/).filter((line) => line.includes('First run'));
        assert.equal(notices.length, 1, output);
        const token = /WECHAT_TOKEN=([A-Za-z0-9]+)/.exec(notices[0] ?? '')?.[1] ?? '';
        assert.match(token, /^[A-Za-z0-9]{32}$/);
        assert.match(notices[0] ?? '', /服务器配置 → Token/);

        const dotenv = readFileSync(join(dir, '.env'), 'utf8');
        assert.match(dotenv, new RegExp(`^WECHAT_TOKEN=${token}$`, 'm'));
        assert.equal(
          dotenv.replace(/^WECHAT_TOKEN=.*$/m, ''),
          readFileSync(join(dir, '.env.example'), 'utf8').replace(/^WECHAT_TOKEN=.*$/m, ''),
        );
        assert.equal(statSync(join(dir, '.env')).mode & 0o077, 0, '.env is readable by its owner only');

        assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
        const simulate = spawnSync(process.execPath, ['--import', tsxLoader, simulator, 'text', '你好'], {
          cwd: dir,
          env: { PATH: process.env.PATH ?? '', PORT: String(port) },
          encoding: 'utf8',
        });
        assert.equal(simulate.status, 0, simulate.stderr);
        assert.match(simulate.stdout, /Content: 你好/);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
  );

  it('without a terminal: a missing WECHAT_TOKEN stays exit 1 with one line, and no .env is written', async () => {
    const dir = freshClone();
    const child = spawn(process.execPath, ['--import', tsxLoader, serverEntry], {
      cwd: dir,
      env: { PATH: process.env.PATH ?? '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const code = await new Promise((resolve) => child.once('exit', resolve));
    assert.equal(code, 1);
    assert.deepEqual(stderr.trim().split('\n').length, 1, stderr);
    assert.match(stderr, /^Configuration error: WECHAT_TOKEN /);
    assert.equal(existsSync(join(dir, '.env')), false);
  });
});

describe('start-up: what a person reads after "listening"', () => {
  async function startUpLogs(env: Record<string, string>): Promise<Record<string, unknown>[]> {
    const port = await freePort();
    const server = runServer({ PORT: String(port), HOST: '127.0.0.1', ...env });
    try {
      await untilListening(server);
      while (!server.stdout.includes('npm run simulate')) await new Promise((resolve) => setTimeout(resolve, 25));
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const lines = server.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return lines.slice(lines.findIndex((line) => line.msg === 'listening'));
  }

  it('one line with the platform URL and the next step; warnings for missing credentials and a token the platform refuses', async () => {
    const lines = await startUpLogs({ WECHAT_TOKEN: 'not-a-platform-token!' });
    const next = lines[1];
    assert.equal(next?.level, 30);
    assert.equal(next?.webhookUrl, 'http://<your public host>/wechat');
    assert.match(String(next?.msg), /服务器配置 → URL/);
    assert.match(String(next?.msg), /npm run simulate -- text 你好/);
    const warnings = lines.filter((line) => line.level === 40).map((line) => String(line.msg));
    assert.ok(
      warnings.some((w) => /^WECHAT_APPID and WECHAT_APPSECRET are not set: QR codes, OAuth and replies sent after the deadline/.test(w)),
      warnings.join('\n'),
    );
    assert.ok(warnings.some((w) => /^WECHAT_TOKEN is not 3–32 letters and digits .*platform would refuse it/.test(w)));
    assert.ok(!JSON.stringify(lines).includes('not-a-platform-token!'), 'the token itself is never logged');
  });

  it('a complete configuration: PUBLIC_URL in the platform URL, and no warning of those', async () => {
    const lines = await startUpLogs({
      WECHAT_TOKEN: 'GoodToken123',
      WECHAT_APPID: 'wx_app',
      WECHAT_APPSECRET: 'secret',
      PUBLIC_URL: 'https://wx.example.com',
      WECHAT_PATH: '/hooks/wechat',
      ADMIN_TOKEN: 'admin-token-for-tests',
    });
    assert.equal(lines[1]?.webhookUrl, 'https://wx.example.com/hooks/wechat');
    assert.deepEqual(
      lines.filter((line) => line.level === 40),
      [],
    );
  });

  it('only WECHAT_APPSECRET missing: the warning names it alone', async () => {
    const lines = await startUpLogs({ WECHAT_TOKEN: 'GoodToken123', WECHAT_APPID: 'wx_app', ADMIN_TOKEN: 'admin-token-for-tests' });
    const warnings = lines.filter((line) => line.level === 40).map((line) => String(line.msg));
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /^WECHAT_APPSECRET is not set/);
  });
});
