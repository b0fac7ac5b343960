// This project's server through its library API (from dist/, after `npm run build`),
// with one router.use() handler that counts how often each message ran. The soak asks
// GET http://127.0.0.1:$CONTROL_PORT/ for the counts to prove that retries never
// re-run the handler. The count memory is bounded (the last 20,000 messages) so that
// it does not itself grow the RSS the soak watches.
import { hash } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';
import { createApp, createReplyRouter, loadConfig } from '../../dist/index.js';

const RECENT = 20_000;
const recent = new Array(RECENT);
const runs = new Map();
let next = 0;
let total = 0;
let duplicates = 0;
let maxRuns = 0;

function count(key) {
  total += 1;
  const seen = runs.get(key);
  if (seen !== undefined) {
    duplicates += 1;
    runs.set(key, seen + 1);
    maxRuns = Math.max(maxRuns, seen + 1);
    return;
  }
  const evicted = recent[next];
  if (evicted !== undefined) runs.delete(evicted);
  recent[next] = key;
  next = (next + 1) % RECENT;
  runs.set(key, 1);
  maxRuns = Math.max(maxRuns, 1);
}

const router = createReplyRouter().use((message) => {
  const fields =
    typeof message.MsgId === 'string' && message.MsgId !== ''
      ? `msg:${message.MsgId}`
      : `event:${message.FromUserName}|${message.CreateTime}|${message.Event}|${message.EventKey ?? ''}`;
  // A message's fields are slices of its request body: a key built from them keeps the
  // whole body alive as long as the Map holds it (20,000 bodies, promoted and churned
  // through V8's old generation: a 40-50 MiB RSS sawtooth that was the harness's, not
  // the server's). Its digest holds nothing of the body.
  count(hash('sha1', fields, 'base64'));
  return undefined; // the default rules answer
});

const config = loadConfig(process.env);
const app = createApp(config, { router });
const server = app.listen(config.port, config.host);

const control = createServer((_req, res) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ total, duplicates, maxRuns }));
}).listen(Number(process.env.CONTROL_PORT), '127.0.0.1');

process.on('SIGTERM', () => {
  control.close();
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
