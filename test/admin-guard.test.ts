import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';
import { describe, it } from 'node:test';
import { ADMIN_ROUTES, requireAdmin } from '../src/http/admin-auth.js';
import { createLogger } from '../src/core/logger.js';
import { freePort } from './helpers/free-port.js';
import { runServer } from './helpers/run-server.js';
import { startApp, TEST_TOKEN, withFakeWeChat } from './helpers/start-app.js';

const ADMIN_TOKEN = 'admin-guard-token-6f0e2b';

/** Each admin route, as a GET that reaches the route's own code once let through, and that code's status. */
const ADMIN_URLS: [string, number][] = [
  ['/api/access-token', 200],
  ['/qrcode?scene_id=1&format=json', 200],
  ['/metrics', 200],
  ['/jssdk/demo', 200],
];

const PROXY_HEADERS: Record<string, string>[] = [
  { 'X-Forwarded-For': '203.0.113.9' },
  { Forwarded: 'for=203.0.113.9;proto=https' },
  { 'X-Real-IP': '203.0.113.9' },
];

describe('ADMIN_TOKEN unset behind a reverse proxy on this machine', () => {
  it('every admin route refuses a request a proxy forwarded (403), and serves one that came straight', () =>
    withFakeWeChat({ JSSDK_DOMAINS: 'example.com' }, async (app) => {
      for (const [path, served] of ADMIN_URLS) {
        for (const headers of PROXY_HEADERS) {
          const response = await fetch(`${app.url}${path}`, { headers });
          assert.equal(response.status, 403, `${path} ${JSON.stringify(headers)}`);
          assert.match(await response.text(), /ADMIN_TOKEN is not set/);
        }
        const straight = await fetch(`${app.url}${path}`);
        assert.equal(straight.status, served, `${path}: ${await straight.text()}`);
      }
    }));

  it('a web page whose host name points at this machine (DNS rebinding) is not local: 403', () =>
    withFakeWeChat({}, async (app) => {
      const port = new URL(app.url).port;
      // node:http, since fetch sets Host itself.
      const status = (path: string, headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          get({ host: '127.0.0.1', port, path, headers }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          }).on('error', reject);
        });
      assert.equal(await status('/api/access-token', { Host: `attacker.example:${port}` }), 403);
      assert.equal(await status('/api/access-token', { Host: `localhost:${port}`, 'Sec-Fetch-Site': 'cross-site' }), 403);
      for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
        assert.equal(await status('/metrics', { Host: host }), 200, host);
      }
    }));

  it('the start-up warning names every admin route', async () => {
    const app = await startApp({});
    try {
      const warning = app.logs.find((line) => line.level === 40 && String(line.msg).startsWith('ADMIN_TOKEN is not set'));
      assert.ok(warning);
      for (const route of ['/api', '/qrcode', '/metrics', '/jssdk/demo', '/open/authorize'])
        assert.ok(String(warning.msg).includes(route), route);
      assert.deepEqual([...ADMIN_ROUTES].sort(), ['/api', '/jssdk/demo', '/metrics', '/open/authorize', '/qrcode']);
    } finally {
      await app.close();
    }
  });
});

describe('the list of admin routes', () => {
  /** The routes named from where `file` first says `marker` to the next `until` (a blank line: the paragraph). */
  const routesNear = (file: string, marker: string, until = '\n\n'): string[] => {
    const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
    const start = text.indexOf(marker);
    assert.notEqual(start, -1, `${file} mentions ${marker}`);
    const end = text.indexOf(until, start);
    const passage = text.slice(start, end === -1 ? undefined : end);
    return [
      ...new Set(passage.match(/(?<![\w.])\/(?:api|qrcode|metrics|jssdk\/demo|open\/authorize|oauth|healthz|livez|console)\b/g) ?? []),
    ].sort();
  };

  it('.env.example, the configuration reference and the routes reference name the routes the guard protects', () => {
    const guarded = [...ADMIN_ROUTES].sort();
    assert.deepEqual(routesNear('.env.example', '# Guards the admin routes'), guarded);
    assert.deepEqual(routesNear('docs/reference/configuration.md', '| `ADMIN_TOKEN` |', '\n'), guarded);
    assert.deepEqual(routesNear('docs/reference/http.md', 'Admin routes ('), guarded);
  });
});

describe('ADMIN_TOKEN itself', () => {
  it('shorter than 16 characters: the server refuses to start, in one line', async () => {
    const server = runServer({ WECHAT_TOKEN: TEST_TOKEN, PORT: String(await freePort()), HOST: '127.0.0.1', ADMIN_TOKEN: '4821' });
    assert.equal(await server.exited, 1);
    const lines = server.stderr.trim().split('\n');
    assert.equal(lines.length, 1, server.stderr);
    assert.match(lines[0]!, /ADMIN_TOKEN is 4 characters long; use at least 16/);
    assert.ok(!server.stderr.includes('4821') && !server.stdout.includes('4821'), 'the token is not printed');
  });
});

describe('failed admin logins', () => {
  it('are logged once per interval, and after 10 from one client it waits (429) even with the right token', async () => {
    // The proxy in front (here: this machine) is trusted to name its clients.
    const app = await startApp({ ADMIN_TOKEN, TRUST_PROXY: '127.0.0.1' });
    try {
      const metrics = (token: string, headers: Record<string, string> = {}) =>
        fetch(`${app.url}/metrics`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
      for (let attempt = 0; attempt < 10; attempt += 1) assert.equal((await metrics(`guess-${attempt}`)).status, 401);
      const locked = await metrics(ADMIN_TOKEN);
      assert.equal(locked.status, 429);
      assert.ok(Number(locked.headers.get('retry-after')) > 0);
      // Another client behind the same proxy is not held up by this one's guesses.
      assert.equal((await metrics(ADMIN_TOKEN, { 'X-Forwarded-For': '198.51.100.7' })).status, 200);
      // Without credentials (a browser before its password prompt) nothing is counted or logged.
      assert.equal((await fetch(`${app.url}/metrics`, { headers: { 'X-Forwarded-For': '198.51.100.8' } })).status, 401);
      const logged = app.logs.filter((line) => line.reason === 'admin-login-failed');
      assert.equal(logged.length, 1, JSON.stringify(logged));
      assert.ok(!app.logText().includes('guess-'), 'what was tried is not logged');
    } finally {
      await app.close();
    }
  });

  it('without TRUST_PROXY a forged X-Forwarded-For does not make a new client', async () => {
    const app = await startApp({ ADMIN_TOKEN });
    try {
      const metrics = (token: string, headers: Record<string, string> = {}) =>
        fetch(`${app.url}/metrics`, { headers: { Authorization: `Bearer ${token}`, ...headers } });
      for (let attempt = 0; attempt < 10; attempt += 1) {
        assert.equal((await metrics(`guess-${attempt}`, { 'X-Forwarded-For': `198.51.100.${attempt}` })).status, 401);
      }
      assert.equal((await metrics(ADMIN_TOKEN, { 'X-Forwarded-For': '198.51.100.99' })).status, 429);
    } finally {
      await app.close();
    }
  });

  it('through a proxy TRUST_PROXY does not name, the first failure warns once how to count clients apart', async () => {
    const app = await startApp({ ADMIN_TOKEN });
    try {
      for (let attempt = 0; attempt < 3; attempt += 1) {
        await fetch(`${app.url}/metrics`, { headers: { Authorization: 'Bearer wrong-one', 'X-Forwarded-For': '198.51.100.1' } });
      }
      const warnings = app.logs.filter((line) =>
        String(line.msg).startsWith('admin requests come through a proxy that TRUST_PROXY does not name'),
      );
      assert.equal(warnings.length, 1);
    } finally {
      await app.close();
    }
  });

  it('the wait ends with the window', () => {
    let time = 0;
    const guard = requireAdmin(ADMIN_TOKEN, createLogger('silent'), { maxFailures: 3, windowMs: 1000, now: () => time });
    const call = (token: string): number => {
      let status = 200;
      const res = { locals: {}, status: (code: number) => ((status = code), res), json: () => res, set: () => res };
      guard(
        { socket: { remoteAddress: '203.0.113.9' }, headers: { authorization: `Bearer ${token}` } } as never,
        res as never,
        () => undefined,
      );
      return status;
    };
    for (let attempt = 0; attempt < 3; attempt += 1) assert.equal(call('wrong'), 401);
    assert.equal(call(ADMIN_TOKEN), 429);
    time = 999;
    assert.equal(call(ADMIN_TOKEN), 429);
    time = 1000;
    assert.equal(call(ADMIN_TOKEN), 200);
  });
});
