import assert from 'node:assert/strict';
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort } from './helpers/free-port.js';
import { runServer, untilListening } from './helpers/run-server.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';
import { exchange, textXml } from './helpers/wechat.js';

/** Polls `check` until it passes or `timeoutMs` runs out; the last failure is thrown. */
async function eventually(check: () => Promise<void>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** Four levels of ten aliases each: 10,000 nodes from 40 lines (a "billion laughs"). */
const ALIAS_BOMB = [
  'a: &a [x, x, x, x, x, x, x, x, x, x]',
  'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
  'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
  'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
  '',
].join('\n');

const rule = (keyword: string, reply: string): string => `keywords:\n  - exact: ${keyword}\n    reply: ${reply}\n`;

describe('the replies file is reloaded while the server runs', () => {
  let dir: string;
  let file: string;
  let app: RunningApp;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'replies-reload-'));
    file = join(dir, 'replies.yaml');
    writeFileSync(file, rule('你好', '第一版'));
    app = await startApp({ REPLIES_FILE: file });
  });
  after(() => app.close());

  const answerTo = async (content: string) => (await exchange(app.url, textXml(content))).Content;

  it('a valid edit applies without a restart', async () => {
    assert.equal(await answerTo('你好'), '第一版');
    writeFileSync(file, rule('你好', '第二版'));
    // The promise: messages arriving 2 s after the write get the new replies.
    await eventually(async () => assert.equal(await answerTo('你好'), '第二版'), 2000);
  });

  it('a file replaced by rename (as editors save) applies too', async () => {
    const temporary = join(dir, '.replies.yaml.swp');
    writeFileSync(temporary, rule('你好', '第三版'));
    renameSync(temporary, file);
    await eventually(async () => assert.equal(await answerTo('你好'), '第三版'));
  });

  it('an invalid edit keeps the last good replies and logs one error naming the problem', async () => {
    const errorsBefore = app.logs.filter((line) => line.level === 50).length;
    writeFileSync(file, `${rule('你好', '坏版本')}  - exact: 再见\n    reply: { type: txt }\n`);
    await eventually(async () => assert.equal(app.logs.filter((line) => line.level === 50).length, errorsBefore + 1));
    const error = app.logs.filter((line) => line.level === 50).at(-1)!;
    assert.match(String(error.msg), /replies\.yaml:5: keywords\[1\]\.reply\.type: type must be one of text/);
    assert.equal(await answerTo('你好'), '第三版');
    // Another event on the same bad content logs nothing new.
    writeFileSync(file, `${rule('你好', '坏版本')}  - exact: 再见\n    reply: { type: txt }\n`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(app.logs.filter((line) => line.level === 50).length, errorsBefore + 1);
  });

  it('an alias bomb keeps the last good replies and logs one error; the server stays up', async () => {
    const errorsBefore = app.logs.filter((line) => line.level === 50).length;
    writeFileSync(file, ALIAS_BOMB);
    await eventually(async () => assert.equal(app.logs.filter((line) => line.level === 50).length, errorsBefore + 1));
    assert.match(
      String(app.logs.filter((line) => line.level === 50).at(-1)!.msg),
      /replies\.yaml: its aliases stand for more than 10000 nodes in all/,
    );
    assert.equal(await answerTo('你好'), '第三版');
  });

  it('a fixed file applies again', async () => {
    writeFileSync(file, rule('你好', '修好了'));
    await eventually(async () => assert.equal(await answerTo('你好'), '修好了'));
  });

  it('a deleted file leaves the default rules, and a new one applies', async () => {
    rmSync(file);
    await eventually(async () => assert.equal(await answerTo('你好'), '你好'));
    writeFileSync(file, rule('你好', '又回来了'));
    await eventually(async () => assert.equal(await answerTo('你好'), '又回来了'));
  });
});

describe('starting with a replies file', () => {
  const start = async (env: Record<string, string>) => {
    const server = runServer({ WECHAT_TOKEN: TEST_TOKEN, PORT: String(await freePort()), HOST: '127.0.0.1', ...env });
    return server;
  };

  it('that does not validate: exit 1 and one line naming the file, the line and the problem', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replies-bad-')), 'replies.yaml');
    writeFileSync(file, 'subscribe: 你好\nkeywords:\n  - exact: 帮助\n    contains: 帮\n    reply: 帮你\n  - regex: "(("\n    reply: x\n');
    const server = await start({ REPLIES_FILE: file });
    assert.equal(await server.exited, 1);
    const lines = server.stderr.trim().split('\n');
    assert.equal(lines.length, 1, server.stderr);
    assert.match(lines[0]!, /replies\.yaml:3: keywords\[0\]: a rule has exactly one of exact, contains or regex/);
    assert.match(lines[0]!, /and 1 more: npm run replies -- check/);
    assert.doesNotMatch(server.stdout, /listening/);
  });

  it('150 uses of an alias of a short reply cost nothing: the server starts and answers with it', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replies-aliases-')), 'replies.yaml');
    const rules = Array.from({ length: 150 }, (_, i) => `  - exact: k${i}\n    reply: *hello\n`).join('');
    writeFileSync(file, `subscribe: &hello 你好\nkeywords:\n${rules}`);
    const server = await start({ REPLIES_FILE: file });
    try {
      await untilListening(server);
      assert.match(server.stdout, /"replies":"150 keyword rules/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('aliases that stand for too much: exit 1 and one line, no stack trace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replies-aliases-')), 'replies.yaml');
    writeFileSync(file, ALIAS_BOMB);
    const server = await start({ REPLIES_FILE: file });
    assert.equal(await server.exited, 1);
    const lines = server.stderr.trim().split('\n');
    assert.equal(lines.length, 1, server.stderr);
    assert.match(lines[0]!, /replies\.yaml: its aliases stand for more than 10000 nodes in all/);
  });

  it('REPLIES_FILE set but missing: exit 1 naming the variable', async () => {
    const server = await start({ REPLIES_FILE: join(tmpdir(), 'no-such-dir-here', 'replies.yaml') });
    assert.equal(await server.exited, 1);
    assert.match(server.stderr.trim(), /^Configuration error: REPLIES_FILE names .*replies\.yaml, which does not exist/);
  });

  it('a valid one: the server listens and says what it loaded', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replies-good-')), 'replies.yaml');
    writeFileSync(file, rule('你好', '您好'));
    const server = await start({ REPLIES_FILE: file });
    try {
      await untilListening(server);
      assert.match(server.stdout, /"replies":"1 keyword rule, 0 scenes, 0 menu keys"/);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
