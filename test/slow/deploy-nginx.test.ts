import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { runServer, untilListening, type ServerProcess } from '../helpers/run-server.js';
import { TEST_TOKEN } from '../helpers/start-app.js';
import { until } from '../helpers/until.js';
import { readReply, signedQuery, textXml } from '../helpers/wechat.js';

const NGINX = '/usr/sbin/nginx';
const SITE = new URL('../../deploy/nginx/wechat-oa.conf', import.meta.url);
const PUBLIC_URL = 'https://wx.example.test';
const REPLY = '已收到，谢谢';

/** Whether Debian's nginx is here; in CI (REQUIRE_BROWSER=1 installs the packages) its absence is a failure. */
function nginxAvailable(): boolean {
  if (spawnSync(NGINX, ['-v'], { stdio: 'ignore' }).status === 0) return true;
  if (process.env.CI === 'true') throw new Error(`CI needs ${NGINX} (apt-get install nginx) for the deployment test`);
  console.log(`# SKIPPING the deployment test: no ${NGINX}`);
  return false;
}

/**
 * deploy/nginx/wechat-oa.conf as shipped, with only its addresses moved to this test's
 * free ports; each replacement must find its line, so a change to the file's shape fails here.
 */
function siteFor(listen: number, a: number, b: number): string {
  let site = readFileSync(SITE, 'utf8');
  for (const [from, to] of [
    ['listen 80;', `listen 127.0.0.1:${listen};`],
    ['server 127.0.0.1:3000 ', `server 127.0.0.1:${a} `],
    ['server 127.0.0.1:3001 ', `server 127.0.0.1:${b} `],
  ] as const) {
    assert.ok(site.includes(from), `deploy/nginx/wechat-oa.conf no longer has "${from}"`);
    site = site.replace(from, to);
  }
  return site;
}

/** Debian's nginx in the foreground with a prefix of its own, serving `site` as the deployment's include. */
function startNginx(dir: string, site: string): ChildProcess {
  for (const name of ['logs', 'temp', 'conf.d']) mkdirSync(join(dir, name), { recursive: true });
  writeFileSync(join(dir, 'conf.d', 'wechat-oa.conf'), site);
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `${user}worker_processes 1;\ndaemon off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/logs/error.log warn;\n` +
      `events { worker_connections 1024; }\n` +
      `http {\n  access_log off;\n  client_body_temp_path ${dir}/temp/body;\n  proxy_temp_path ${dir}/temp/proxy;\n` +
      `  fastcgi_temp_path ${dir}/temp/fastcgi;\n  uwsgi_temp_path ${dir}/temp/uwsgi;\n  scgi_temp_path ${dir}/temp/scgi;\n` +
      `  include ${dir}/conf.d/*.conf;\n}\n`,
  );
  return spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A signed text message through `base`; the reply's Content, or why there was none. */
async function say(base: string, content: string): Promise<string> {
  const response = await fetch(`${base}/wechat?${signedQuery()}`, {
    method: 'POST',
    headers: { 'Content-Type': 'text/xml' },
    body: textXml(content),
  });
  const text = await response.text();
  if (response.status !== 200) return `HTTP ${response.status}: ${text.slice(0, 200)}`;
  return String(readReply(text).Content);
}

/** The messages an instance counted, read straight from its /metrics (a local client needs no token). */
async function messagesCounted(port: number): Promise<number> {
  const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of metrics.split('\n')) if (line.startsWith('wechat_messages_total{')) total += Number(line.split(' ').at(-1));
  return total;
}

/**
 * The deployment the docs describe, run: Debian's nginx with deploy/nginx/wechat-oa.conf
 * in front of two instances (as `npm start` runs them) sharing one Redis. Through the
 * proxy: URL verification and messages, a forwarded client is never "local", links
 * use PUBLIC_URL, and a rolling restart of both instances under load loses no message.
 */
describeWithRedis('the documented nginx deployment', () => {
  if (!nginxAvailable()) return;
  let redis: PrivateRedis;
  let dir: string;
  let nginx: ChildProcess;
  let nginxErrors = '';
  let ports: [number, number];
  let proxy: string;
  const instances = new Map<number, ServerProcess>();
  const env = (port: number): Record<string, string> => ({
    PORT: String(port),
    HOST: '127.0.0.1',
    WECHAT_TOKEN: TEST_TOKEN,
    WECHAT_APPID: 'wx_deploy_test_0001',
    WECHAT_APPSECRET: 'deploy-test-secret',
    WECHAT_API_BASE: 'http://127.0.0.1:9',
    REDIS_URL: redis.url,
    TRUST_PROXY: '127.0.0.1',
    PUBLIC_URL,
    REPLIES_FILE: 'replies.yaml',
  });
  const start = async (port: number): Promise<void> => {
    const instance = runServer(env(port), undefined, { 'replies.yaml': `message: ${REPLY}\n` });
    instances.set(port, instance);
    await untilListening(instance);
  };
  /** SIGTERM, as systemd stops a unit; the instance must exit 0 once its in-flight messages are answered. */
  const stop = async (port: number): Promise<void> => {
    const instance = instances.get(port);
    assert.ok(instance);
    instance.child.kill('SIGTERM');
    assert.equal(await instance.exited, 0, instance.stderr);
    instances.delete(port);
  };

  before(async () => {
    redis = await PrivateRedis.start();
    dir = mkdtempSync(join(tmpdir(), 'wechat-nginx-'));
    ports = [await freePort(), await freePort()];
    const listen = await freePort();
    proxy = `http://127.0.0.1:${listen}`;
    await Promise.all(ports.map(start));
    nginx = startNginx(dir, siteFor(listen, ...ports));
    nginx.stderr?.on('data', (chunk: Buffer) => (nginxErrors += chunk.toString('utf8')));
    await until(async () => (await fetch(proxy).catch(() => undefined)) !== undefined, `nginx listening: ${nginxErrors}`);
  });

  after(async () => {
    nginx.kill('SIGQUIT');
    for (const instance of instances.values()) instance.child.kill('SIGKILL');
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the URL and answers messages through the proxy, from both instances', async () => {
    const echostr = 'deploy-echo-8472';
    const verify = await fetch(`${proxy}/wechat?${signedQuery({ echostr })}`);
    assert.equal(verify.status, 200);
    assert.equal(await verify.text(), echostr);
    const before = await Promise.all(ports.map(messagesCounted));
    for (let i = 0; i < 6; i += 1) assert.equal(await say(proxy, `你好 ${i}`), REPLY);
    const afterwards = await Promise.all(ports.map(messagesCounted));
    // nginx takes turns: each instance answered some of the six.
    assert.ok(afterwards[0]! > before[0]! && afterwards[1]! > before[1]!, `${before.join(',')} → ${afterwards.join(',')}`);
  });

  it('treats a client through the proxy as remote: admin routes without ADMIN_TOKEN answer only this machine', async () => {
    assert.equal((await fetch(`http://127.0.0.1:${ports[0]}/metrics`)).status, 200);
    const forwarded = await fetch(`${proxy}/metrics`);
    assert.equal(forwarded.status, 403);
    assert.match(await forwarded.text(), /ADMIN_TOKEN is not set/);
    // A client that writes its own forwarding header gains nothing either.
    const spoofed = await fetch(`${proxy}/metrics`, { headers: { 'X-Forwarded-For': '127.0.0.1' } });
    assert.equal(spoofed.status, 403);
    await spoofed.arrayBuffer();
  });

  it('builds links from PUBLIC_URL, not from the address nginx reached', async () => {
    const response = await fetch(`${proxy}/oauth`, { redirect: 'manual' });
    assert.equal(response.status, 302);
    const location = new URL(response.headers.get('location') ?? '');
    assert.equal(location.host, 'open.weixin.qq.com');
    assert.equal(location.searchParams.get('redirect_uri'), `${PUBLIC_URL}/oauth/callback`);
    for (const port of [...ports, new URL(proxy).port]) assert.ok(!location.href.includes(`:${port}`), location.href);
    await response.arrayBuffer();
  });

  it('loses no message while both instances are restarted in turn under load', async () => {
    let sent = 0;
    const failures: string[] = [];
    let loading = true;
    const worker = async (id: number): Promise<void> => {
      for (let n = 0; loading; n += 1) {
        const reply = await say(proxy, `负载 ${id}-${n}`).catch((error: unknown) => `fetch failed: ${String(error)}`);
        sent += 1;
        if (reply !== REPLY) failures.push(reply);
      }
    };
    const load = Promise.all(Array.from({ length: 8 }, (_, id) => worker(id)));
    try {
      for (const port of ports) {
        await until(() => sent > 50, 'load under way');
        const counted = sent;
        await stop(port);
        await start(port);
        // The restarted instance takes its share again before the other one goes.
        const served = await messagesCounted(port);
        await until(async () => (await messagesCounted(port)) > served, `the restarted instance on ${port} serves messages`, 15_000);
        await until(() => sent > counted + 100, 'messages after the restart');
      }
    } finally {
      loading = false;
      await load;
    }
    assert.deepEqual(failures.slice(0, 5), [], `${failures.length} of ${sent} messages were not answered`);
    assert.ok(sent > 200, `only ${sent} messages were sent`);
  });
});
