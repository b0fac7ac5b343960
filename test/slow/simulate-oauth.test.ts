import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/free-port.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';
import { runServer, untilListening, type ServerProcess } from '../helpers/run-server.js';
import { startApp } from '../helpers/start-app.js';

const simulator = fileURLToPath(new URL('../../src/cli/simulate.ts', import.meta.url));

/**
 * OAuth on a laptop, as docs/reference.md tells it: one `.env` that the server (`npm
 * start`, a real process) and the simulator both read, with PUBLIC_URL the server's own
 * address and WECHAT_API_BASE a free port of this machine, where `simulate -- oauth`
 * answers the code exchange as WeChat while it runs.
 */
describe('npm run simulate -- oauth: the whole hand-over on one machine', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let dir = '';
  let origin = '';
  let apiBase = '';

  /** Runs the simulator in a directory holding the same .env as the server's; `env` wins over it. */
  function simulate(args: string[], env: Record<string, string> = {}): Promise<ProgramResult> {
    return runProgram(simulator, args, { cwd: dir, env });
  }

  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    apiBase = `http://127.0.0.1:${await freePort()}`;
    const dotenv = [
      'WECHAT_TOKEN=laptop-token',
      'WECHAT_APPID=wx_laptop_appid',
      'WECHAT_APPSECRET=laptop-app-secret',
      `PORT=${port}`,
      'HOST=127.0.0.1',
      `PUBLIC_URL=${origin}`,
      `WECHAT_API_BASE=${apiBase}`,
    ].join('\n');
    dir = mkdtempSync(join(tmpdir(), 'simulate-oauth-'));
    writeFileSync(join(dir, '.env'), dotenv);
    server = runServer({}, dotenv);
    await untilListening(server);
  });

  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it('oauth: the consent, the code exchanged with the fake WeChat, the profile page, and /oauth/me', async () => {
    const result = await simulate(['oauth']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const lines = result.stdout.split('\n');
    assert.equal(lines[0], `GET ${origin}/oauth`);
    assert.equal(
      lines[1],
      `  302 to WeChat's authorize page (snsapi_userinfo, redirect_uri ${origin}/oauth/callback); cookie wechat_oauth_state set`,
    );
    assert.equal(lines[2], 'WeChat: o_simulated_user_openid allows access to the profile; the browser goes back with a code');
    assert.equal(lines[3], `GET ${origin}/oauth/callback?code=…&state=…`);
    assert.equal(lines[4], '  the server asked WeChat /sns/oauth2/access_token: ok');
    assert.equal(lines[5], '  the server asked WeChat /sns/userinfo: ok');
    assert.equal(lines[6], '  200 the profile page; cookie wechat_user set:');
    assert.equal(lines[7], '    模拟用户');
    assert.ok(lines.includes('    OpenID: o_simulated_user_openid'), result.stdout);
    assert.ok(lines.includes('    城市 city: 广州'), result.stdout);
    assert.match(
      result.stdout,
      new RegExp(`\\nGET ${origin}/oauth/me\\n  200 \\{"openid":"o_simulated_user_openid","nickname":"模拟用户"\\}\\n$`),
    );
  });

  it('--from o_user_bob oauth /shop?item=42: a 302 to the page, and /oauth/me names bob', async () => {
    const result = await simulate(['--from', 'o_user_bob', 'oauth', '/shop?item=42']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^GET ${origin}/oauth\\?next=%2Fshop%3Fitem%3D42\\n`));
    assert.match(result.stdout, /WeChat: o_user_bob allows access/);
    assert.match(result.stdout, /\n {2}302 to \/shop\?item=42: the user is handed over; cookie wechat_user set\n/);
    assert.match(result.stdout, /\n {2}200 \{"openid":"o_user_bob","nickname":"模拟用户"\}\n$/);
  });

  it('oauth /member --base: silent, the openid only, no /sns/userinfo', async () => {
    const result = await simulate(['oauth', '/member', '--base']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /authorize page \(snsapi_base,/);
    assert.match(result.stdout, /is identified silently \(snsapi_base\)/);
    assert.match(result.stdout, /asked WeChat \/sns\/oauth2\/access_token: ok\n {2}302 to \/member/);
    assert.doesNotMatch(result.stdout, /userinfo/);
    assert.match(result.stdout, /\n {2}200 \{"openid":"o_simulated_user_openid"\}\n$/);
  });

  it('oauth --deny: back without a code, the 400 page that says so; WeChat is not asked', async () => {
    const result = await simulate(['oauth', '--deny']);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /WeChat: o_simulated_user_openid declines/);
    assert.match(result.stdout, new RegExp(`GET ${origin}/oauth/callback\\?state=…\\n {2}400 the page for a user who declined:\\n`));
    assert.match(result.stdout, /You did not allow access/);
    assert.doesNotMatch(result.stdout, /asked WeChat/);
  });

  it('a next the server refuses: its 400 page, exit 1', async () => {
    const result = await simulate(['oauth', '//evil.example/']);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /\n {2}400 instead of a redirect to WeChat:\n {4}链接无效 Invalid link\n/);
  });

  it('a simulator with another AppSecret than the server: WeChat refuses the exchange, the 502 page shows 40125, exit 1', async () => {
    const result = await simulate(['oauth'], { WECHAT_APPSECRET: 'not-the-servers-secret' });
    assert.equal(result.code, 1);
    assert.match(result.stdout, /asked WeChat \/sns\/oauth2\/access_token: errcode 40125\n {2}502 instead of the profile page:\n/);
    assert.match(result.stdout, /errcode 40125: invalid appsecret/);
    assert.doesNotMatch(result.stdout + result.stderr, /laptop-app-secret|not-the-servers-secret/);
  });

  it('another AppID than the authorize URL names: WeChat would not accept it, exit 1', async () => {
    const result = await simulate(['oauth'], { WECHAT_APPID: 'wx_other' });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^WeChat would not accept this: the authorize URL names appid "wx_laptop_appid", not WECHAT_APPID "wx_other"\n$/,
    );
  });

  it("WECHAT_API_BASE on the server's own port: the fake cannot listen there, exit 1 saying why", async () => {
    const result = await simulate(['oauth'], { WECHAT_API_BASE: origin });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^oauth cannot answer as WeChat at WECHAT_API_BASE .* \(EADDRINUSE\): it needs a port of its own/);
  });

  it('usage: --base without a path, an unknown option, two paths → exit 2', async () => {
    const wrong: [string[], RegExp][] = [
      [['oauth', '--base'], /^oauth --base hands the openid to a page: give its path\n/],
      [['oauth', '--nope'], /^unknown option --nope for oauth\n/],
      [['oauth', '/a', '/b'], /^oauth takes one path to hand the user to, not "\/b" as well\n/],
    ];
    for (const [args, reason] of wrong) {
      const result = await simulate(args);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, reason);
      assert.match(result.stderr, /\nusage: npm run simulate -- .*\nkinds: .*oauth \[next-path\] \[--base\] \[--deny\]/);
    }
  });
});

/**
 * The same on a server with ACCOUNTS_FILE: `--account shop` takes shop's AppID and
 * secret from the same file the server reads, and asks for shop's pages (`?account=shop`).
 */
describe('npm run simulate -- --account shop oauth: one account of several', { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let dir = '';
  let origin = '';
  const accounts = [
    'accounts:',
    '  - name: shop',
    '    appid: wx_shop_oauth_appid',
    '    secret: ${SHOP_SECRET}',
    '    token: shop-token',
    '  - name: blog',
    '    appid: wx_blog_oauth_appid',
    '    secret: blog-app-secret',
    '    token: blog-token',
    '',
  ].join('\n');

  before(async () => {
    const port = await freePort();
    origin = `http://127.0.0.1:${port}`;
    const dotenv = [
      'ACCOUNTS_FILE=accounts.yaml',
      'SHOP_SECRET=shop-app-secret',
      `PORT=${port}`,
      'HOST=127.0.0.1',
      `PUBLIC_URL=${origin}`,
      `WECHAT_API_BASE=http://127.0.0.1:${await freePort()}`,
    ].join('\n');
    dir = mkdtempSync(join(tmpdir(), 'simulate-oauth-accounts-'));
    writeFileSync(join(dir, '.env'), dotenv);
    writeFileSync(join(dir, 'accounts.yaml'), accounts);
    server = runServer({}, dotenv, { 'accounts.yaml': accounts });
    await untilListening(server);
  });

  after(async () => {
    server.child.kill('SIGTERM');
    await server.exited;
  });

  it("shop's AppID on the authorize URL, shop's callback, and /oauth/me?account=shop names the user and shop", async () => {
    const result = await runProgram(simulator, ['--account', 'shop', '--from', 'o_shop_buyer', 'oauth'], { cwd: dir });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, new RegExp(`^GET ${origin}/oauth\\?account=shop\n`));
    assert.match(result.stdout, new RegExp(`redirect_uri ${origin}/oauth/callback\\?account=shop\\)`));
    assert.match(result.stdout, /asked WeChat \/sns\/oauth2\/access_token: ok/);
    assert.match(
      result.stdout,
      new RegExp(`\nGET ${origin}/oauth/me\\?account=shop\n {2}200 \\{"openid":"o_shop_buyer".*"account":"shop"`),
    );
    assert.doesNotMatch(result.stdout + result.stderr, /shop-app-secret/);
  });

  it("--account blog: blog's AppID, checked against the authorize URL", async () => {
    const result = await runProgram(simulator, ['--account', 'blog', 'oauth'], { cwd: dir });
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /\/oauth\/callback\?account=blog/);
  });
});

describe('npm run simulate -- oauth against servers not set up for it', () => {
  const credentials = { WECHAT_APPID: 'wx_laptop_appid', WECHAT_APPSECRET: 'laptop-app-secret' };

  it("WECHAT_API_BASE left at WeChat's: exit 1, saying what to set", async () => {
    const result = await runProgram(simulator, ['oauth'], { env: credentials });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^oauth needs the server's WeChat API on this machine, not "https:\/\/api\.weixin\.qq\.com": set WECHAT_API_BASE=http:\/\/127\.0\.0\.1:8081/,
    );
  });

  it('no AppID or AppSecret: exit 1, naming them', async () => {
    const result = await runProgram(simulator, ['oauth'], { env: { WECHAT_API_BASE: `http://127.0.0.1:${await freePort()}` } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^oauth needs WECHAT_APPID and WECHAT_APPSECRET/);
  });

  it('a PUBLIC_URL elsewhere: WeChat would not send the browser back here; exit 1 naming PUBLIC_URL, no callback', async () => {
    const app = await startApp({ ...credentials, PUBLIC_URL: 'https://wx.example.com' });
    try {
      const env = { ...credentials, WECHAT_API_BASE: `http://127.0.0.1:${await freePort()}` };
      const result = await runProgram(simulator, ['--url', `${app.url}/wechat`, 'oauth'], { env });
      assert.equal(result.code, 1);
      assert.match(
        result.stderr,
        new RegExp(
          `redirect_uri https://wx\\.example\\.com/oauth/callback is not on the server at ${app.url} .*set PUBLIC_URL=${app.url} `,
        ),
      );
      assert.doesNotMatch(result.stdout, /callback/);
    } finally {
      await app.close();
    }
  });

  it('OAuth not configured on the server: its 503 page, exit 1', async () => {
    const app = await startApp({});
    try {
      const env = { ...credentials, WECHAT_API_BASE: `http://127.0.0.1:${await freePort()}` };
      const result = await runProgram(simulator, ['--url', `${app.url}/wechat`, 'oauth'], { env });
      assert.equal(result.code, 1);
      assert.match(result.stdout, /\n {2}503 instead of a redirect to WeChat:\n {4}网页授权未配置 OAuth is not configured\n/);
    } finally {
      await app.close();
    }
  });
});
