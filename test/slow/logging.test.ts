import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { Writable } from 'node:stream';
import { createLogger, messageLine } from '../../src/core/logger.js';
import { freePort } from '../helpers/free-port.js';
import { runServer, untilListening, type ServerProcess } from '../helpers/run-server.js';
import { TEST_TOKEN } from '../helpers/start-app.js';
import { postToWebhook, signedQuery, textXml } from '../helpers/wechat.js';

function capture(): { sink: Writable; text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString('utf8');
      callback();
    },
  });
  return { sink, text: () => text };
}

const jsonLines = (text: string): Record<string, unknown>[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);

async function startServer(env: Record<string, string> = {}): Promise<{ server: ServerProcess; url: string }> {
  const port = await freePort();
  const server = runServer({ WECHAT_TOKEN: TEST_TOKEN, PORT: String(port), HOST: '127.0.0.1', ...env });
  await untilListening(server);
  return { server, url: `http://127.0.0.1:${port}` };
}

async function send(url: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const response = await postToWebhook(url, textXml(`message ${i}`), signedQuery());
    assert.equal(response.status, 200);
    await response.arrayBuffer();
  }
}

describe('logging', () => {
  it('hides a secret passed to the logger by mistake, in a logged object or a child’s bindings', () => {
    const { sink, text } = capture();
    const logger = createLogger('info', sink);
    logger.info(
      {
        appSecret: 'secret-1',
        access_token: 'secret-2',
        config: { appSecret: 'secret-3', encodingAesKey: 'secret-4', adminToken: 'secret-5', token: 'secret-6', port: 8080 },
        headers: { authorization: 'Bearer secret-7', host: 'example.com' },
        req: { method: 'GET', headers: { authorization: 'Bearer secret-8' } },
      },
      'a mistake',
    );
    logger.child({ secret: 'secret-9', adminToken: 'secret-10' }).warn('from a child');
    const output = text();
    for (let i = 1; i <= 10; i++) assert.ok(!output.includes(`secret-${i}`), `secret-${i} was logged: ${output}`);
    const [first, second] = jsonLines(output);
    assert.deepEqual(first?.config, {
      appSecret: '[redacted]',
      encodingAesKey: '[redacted]',
      adminToken: '[redacted]',
      token: '[redacted]',
      port: 8080,
    });
    assert.deepEqual(first?.headers, { authorization: '[redacted]', host: 'example.com' });
    assert.equal(second?.secret, '[redacted]');
  });

  it('logs a message line as given: type, id, outcome and time', () => {
    const { sink, text } = capture();
    createLogger('info', sink).info({ type: 'text', id: '123', outcome: 'rule', ms: 0.5 }, 'message answered');
    const [line] = jsonLines(text());
    assert.deepEqual(
      { ...line, time: 0 },
      { level: 30, time: 0, type: 'text', id: '123', outcome: 'rule', ms: 0.5, msg: 'message answered' },
    );
  });

  it('the per-message line written directly is the line pino writes, whatever the type and id', () => {
    const cases: [string, string | undefined][] = [
      ['text', '6349323426230210995'],
      ['event.subscribe', undefined],
      ['unknown', 'a "quoted" \\ id\n\u2028'],
      ['event.我的事件', '\u0000\u001f'],
    ];
    for (const [type, id] of cases) {
      const direct = capture();
      messageLine(createLogger('info', direct.sink))(type, id, 'reply', 0.57);
      const viaPino = capture();
      createLogger('info', viaPino.sink).info({ type, id, outcome: 'reply', ms: 0.57 }, 'message answered');
      const [ours] = jsonLines(direct.text());
      const [theirs] = jsonLines(viaPino.text());
      assert.equal(typeof ours?.time, 'number');
      assert.deepEqual(Object.keys(ours ?? {}), Object.keys(theirs ?? {}));
      assert.deepEqual({ ...ours, time: 0 }, { ...theirs, time: 0 });
    }
    const quiet = capture();
    messageLine(createLogger('warn', quiet.sink))('text', '1', 'reply', 1);
    assert.equal(quiet.text(), '');
  });

  it('without a terminal, the server writes JSON lines', async () => {
    const { server, url } = await startServer();
    try {
      await send(url, 3);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
    const lines = jsonLines(server.stdout);
    assert.equal(lines.filter((line) => line.msg === 'message answered').length, 3);
    assert.equal(lines.at(-1)?.msg, 'stopped');
  });

  it('in a terminal, the server writes readable lines, not JSON', { skip: process.platform !== 'linux' }, async () => {
    const port = await freePort();
    // `script` gives the server a pseudo-terminal as stdout.
    const serverEntry = fileURLToPath(new URL('../../src/server.ts', import.meta.url));
    const command = [process.execPath, '--import', import.meta.resolve('tsx'), serverEntry].map((arg) => `'${arg}'`).join(' ');
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      cwd: mkdtempSync(join(tmpdir(), 'wechat-server-')),
      env: { PATH: process.env.PATH ?? '', WECHAT_TOKEN: TEST_TOKEN, PORT: String(port), HOST: '127.0.0.1', TERM: 'xterm' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      const deadline = Date.now() + 15_000;
      while (!output.includes('listening') && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.match(output, /INFO.*listening/);
      assert.doesNotMatch(output, /"level":/);
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });

  it('loses no line on SIGTERM: every message answered is in the log', async () => {
    const count = 150;
    const { server, url } = await startServer();
    await send(url, count);
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0);
    const lines = jsonLines(server.stdout);
    assert.equal(lines.filter((line) => line.msg === 'message answered').length, count);
    assert.equal(lines.at(-1)?.msg, 'stopped');
  });

  it('on a crash, logs it as fatal after every line before it, and exits 1', async () => {
    // Preloaded into the server: SIGUSR2 throws from a callback, an uncaught exception.
    const crash = "process.on('SIGUSR2', () => setImmediate(() => { throw new Error('deliberate crash'); }));";
    const crashOnSignal = `data:text/javascript,${encodeURIComponent(crash)}`;
    const { server, url } = await startServer({ NODE_OPTIONS: `--import=${crashOnSignal}` });
    await send(url, 40);
    server.child.kill('SIGUSR2');
    assert.equal(await server.exited, 1);
    const lines = jsonLines(server.stdout);
    assert.equal(lines.filter((line) => line.msg === 'message answered').length, 40);
    const last = lines.at(-1);
    assert.equal(last?.level, 60);
    assert.match(JSON.stringify(last?.err), /deliberate crash/);
  });
});
