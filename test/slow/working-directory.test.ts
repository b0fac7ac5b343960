import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { runServer, untilListening } from '../helpers/run-server.js';
import { startApp, TEST_TOKEN } from '../helpers/start-app.js';
import { exchange, textXml } from '../helpers/wechat.js';

const USERS_FILE = 'keywords:\n  - exact: 你好\n    reply: 来自工作目录的回复\n';

describe('the working directory’s replies.yaml', () => {
  it('the library (createApp) never reads it: only a REPLIES_FILE it is given', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cwd-replies-'));
    writeFileSync(join(dir, 'replies.yaml'), USERS_FILE);
    const before = process.cwd();
    process.chdir(dir);
    try {
      const app = await startApp({});
      try {
        assert.equal(app.config.repliesFile, undefined);
        // The default rules answer: a text is echoed, the file in the directory is ignored.
        assert.equal((await exchange(app.url, textXml('你好'))).Content, '你好');
      } finally {
        await app.close();
      }
    } finally {
      process.chdir(before);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('npm start answers from it, as the README says', async () => {
    const port = await freePort();
    const server = runServer({ WECHAT_TOKEN: TEST_TOKEN, PORT: String(port), HOST: '127.0.0.1' }, undefined, {
      'replies.yaml': USERS_FILE,
    });
    try {
      await untilListening(server);
      assert.equal((await exchange(`http://127.0.0.1:${port}`, textXml('你好'))).Content, '来自工作目录的回复');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });

  it('REPLIES_FILE set but empty: no replies file, even when replies.yaml exists', async () => {
    const port = await freePort();
    const server = runServer({ WECHAT_TOKEN: TEST_TOKEN, PORT: String(port), HOST: '127.0.0.1', REPLIES_FILE: '' }, undefined, {
      'replies.yaml': USERS_FILE,
    });
    try {
      await untilListening(server);
      assert.equal((await exchange(`http://127.0.0.1:${port}`, textXml('你好'))).Content, '你好');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
