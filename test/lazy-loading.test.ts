import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startApp } from './helpers/start-app.js';
import { postToWebhook, textXml } from './helpers/wechat.js';

const ADMIN_TOKEN = 'lazy-admin-5d2e-91a7';
const cache = createRequire(import.meta.url).cache;

/** Whether a package was loaded (through require: how lazyRequire loads it) in this process. */
const loaded = (name: string): boolean => Object.keys(cache).some((file) => file.includes(`/node_modules/${name}/`));

describe('what a server that does not use it leaves unloaded', () => {
  it('loads yaml and zod only to read a replies file', async () => {
    const app = await startApp({});
    try {
      assert.equal((await postToWebhook(app.url, textXml('no file'))).status, 200);
      assert.equal(loaded('yaml'), false);
      assert.equal(loaded('zod'), false);
    } finally {
      await app.close();
    }
    const dir = mkdtempSync(join(tmpdir(), 'lazy-replies-'));
    writeFileSync(join(dir, 'replies.yaml'), 'keywords:\n  - exact: hi\n    reply: hello\n');
    const withFile = await startApp({ REPLIES_FILE: join(dir, 'replies.yaml') });
    try {
      assert.equal(loaded('yaml'), true);
      assert.equal(loaded('zod'), true);
      assert.match(await (await postToWebhook(withFile.url, textXml('hi'))).text(), /hello/);
    } finally {
      await withFile.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('loads prom-client at the first scrape, and counts the messages from before it', async () => {
    const app = await startApp({ ADMIN_TOKEN });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await postToWebhook(app.url, textXml(`early ${i}`))).status, 200);
      assert.equal(loaded('prom-client'), false, 'prom-client is not loaded before the first scrape');
      const response = await fetch(`${app.url}/metrics`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } });
      assert.equal(response.status, 200);
      const text = await response.text();
      assert.equal(loaded('prom-client'), true);
      assert.match(text, /^wechat_messages_total\{type="text",outcome="replied"\} 3$/m);
      assert.match(text, /^wechat_reply_seconds_count 3$/m);
      assert.match(text, /^# TYPE nodejs_heap_size_used_bytes gauge$/m, "Node's metrics on the first scrape");
      // The CPU counters cover the process, not only the time since this scrape.
      const cpu = Number(/^process_cpu_seconds_total (\S+)$/m.exec(text)?.[1]);
      assert.ok(cpu >= process.cpuUsage().user / 1e6 / 2, `process_cpu_seconds_total ${cpu} covers the time before the scrape`);
    } finally {
      await app.close();
    }
  });
});
