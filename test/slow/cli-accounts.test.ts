import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';

// `--account <name>` of npm run menu, replies and simulate: one account of ACCOUNTS_FILE.

const cli = (name: string): string => fileURLToPath(new URL(`../../src/cli/${name}.ts`, import.meta.url));
const example = readFileSync(new URL('../../menu.example.json', import.meta.url), 'utf8');

const SHOP = { name: 'shop', appId: 'wx_shop_account_01', secret: 'shop-secret-4b9d', token: 'shop-token' };
const SHOP_AES_KEY = 'ShopAesKey0123456789abcdefghijklmnopqrstuvw';
const BLOG = { name: 'blog', appId: 'wx_blog_account_02', secret: 'blog-secret-81c3', token: 'blog-token' };

/** Two accounts, the secrets (and shop's token) read from the environment as `${VAR}`. */
const ACCOUNTS_YAML = `accounts:
  - name: ${SHOP.name}
    appid: ${SHOP.appId}
    secret: \${SHOP_SECRET}
    token: \${SHOP_TOKEN}
    encoding_aes_key: ${SHOP_AES_KEY}
    replies_file: replies/shop.yaml
    menu_file: menus/shop.json
  - name: ${BLOG.name}
    appid: ${BLOG.appId}
    secret: \${BLOG_SECRET}
    token: ${BLOG.token}
`;

const SECRETS = { SHOP_SECRET: SHOP.secret, SHOP_TOKEN: SHOP.token, BLOG_SECRET: BLOG.secret };

/** A directory with the accounts file, shop's menu and replies files. */
function accountsDirectory(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cli-accounts-'));
  writeFileSync(join(dir, 'accounts.yaml'), ACCOUNTS_YAML);
  mkdirSync(join(dir, 'menus'));
  writeFileSync(join(dir, 'menus', 'shop.json'), example);
  mkdirSync(join(dir, 'replies'));
  writeFileSync(join(dir, 'replies', 'shop.yaml'), 'subscribe: 欢迎光临小店\n');
  return dir;
}

const oneLine = (result: ProgramResult): string => result.stderr.trim();

describe('--account: an account the accounts file does not list, or no accounts file', () => {
  const dir = accountsDirectory();
  const env = { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS };
  const cases: [string, (account: string) => string[]][] = [
    ['menu', (account) => ['--account', account, 'pull']],
    ['replies', (account) => [`--account=${account}`, 'check']],
    ['simulate', (account) => ['--account', account, 'text', 'hi']],
  ];
  for (const [command, args] of cases) {
    it(`${command} ${args('nosuch').join(' ')} → exit 1, one line naming the account`, async () => {
      const result = await runProgram(cli(command), args('nosuch'), { env, cwd: dir });
      assert.equal(result.code, 1, result.stderr);
      assert.match(oneLine(result), /^--account nosuch: no such account in accounts\.yaml \(it lists shop, blog\)$/);
      assert.equal(result.stdout, '');
    });
    it(`${command} --account without ACCOUNTS_FILE → exit 1, one line`, async () => {
      const result = await runProgram(cli(command), args('shop'), { env: SECRETS, cwd: dir });
      assert.equal(result.code, 1, result.stderr);
      assert.match(oneLine(result), /^--account shop: ACCOUNTS_FILE is not set \(in \.env or the environment\)$/);
    });
  }

  it('--account with no name is a usage error (exit 2)', async () => {
    for (const command of ['menu', 'replies', 'simulate']) {
      const result = await runProgram(cli(command), ['--account'], { env, cwd: dir });
      assert.equal(result.code, 2, `${command}: ${result.stderr}`);
      assert.match(result.stderr, /^--account needs an account name$/m, command);
    }
  });

  it('an accounts file that does not validate: every problem, exit 1', async () => {
    const result = await runProgram(cli('menu'), ['--account', 'shop', 'pull'], { env: { ACCOUNTS_FILE: 'accounts.yaml' }, cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\$\{SHOP_SECRET\} is not set/);
    assert.match(result.stderr, /\$\{BLOG_SECRET\} is not set/);
  });
});

describe('npm run menu --account', () => {
  let fake: FakeWeChat;
  let dir: string;
  let env: Record<string, string>;
  beforeEach(async () => {
    fake = await new FakeWeChat().start();
    fake.addAccount(SHOP.appId, SHOP.secret);
    fake.addAccount(BLOG.appId, BLOG.secret);
    dir = accountsDirectory();
    env = { WECHAT_API_BASE: fake.url, ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS };
  });
  afterEach(() => fake.stop());

  it('push: the account’s menu_file, sent with the account’s own access token', async () => {
    const pushed = await runProgram(cli('menu'), ['--account', 'shop', 'push'], { env, cwd: dir });
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /menu\/create: the menu, 3 top-level buttons/);
    const [create] = fake.callsTo('/cgi-bin/menu/create');
    assert.equal(fake.ownerOf(create?.query.access_token), SHOP.appId);
  });

  it('--account=<appid> names the account too; an account without menu_file reads the file named', async () => {
    writeFileSync(join(dir, 'blog.json'), example);
    const pushed = await runProgram(cli('menu'), [`--account=${BLOG.appId}`, 'push', 'blog.json'], { env, cwd: dir });
    assert.equal(pushed.code, 0, pushed.stderr);
    const [create] = fake.callsTo('/cgi-bin/menu/create');
    assert.equal(fake.ownerOf(create?.query.access_token), BLOG.appId);
  });

  it('check reads the account’s menu_file, without the network', async () => {
    const checked = await runProgram(cli('menu'), ['check', '--account', 'shop'], { env, cwd: dir });
    assert.equal(checked.code, 0, checked.stderr);
    assert.equal(checked.stdout, `${join(dir, 'menus', 'shop.json')}: no problems\n`);
    assert.equal(fake.calls.length, 0);
  });
});

describe('npm run replies --account', () => {
  it('check reads the account’s replies_file', async () => {
    const dir = accountsDirectory();
    const result = await runProgram(cli('replies'), ['--account', 'shop', 'check'], {
      env: { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS },
      cwd: dir,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.ok(result.stdout.startsWith(`${join(dir, 'replies', 'shop.yaml')}: `), result.stdout);
  });
});

describe('npm run simulate --account, against a server with ACCOUNTS_FILE', () => {
  let app: RunningApp;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    dir = accountsDirectory();
    // The server resolves ${VAR} against process.env: here the same values are written out.
    const plain = ACCOUNTS_YAML.replace('${SHOP_SECRET}', SHOP.secret)
      .replace('${SHOP_TOKEN}', SHOP.token)
      .replace('${BLOG_SECRET}', BLOG.secret)
      .replace(/ {4}replies_file: .*\n/, '');
    writeFileSync(join(dir, 'server-accounts.yaml'), plain);
    app = await startApp({ WECHAT_TOKEN: '', ACCOUNTS_FILE: join(dir, 'server-accounts.yaml') });
    env = { ACCOUNTS_FILE: 'accounts.yaml', PORT: new URL(app.url).port, ...SECRETS };
  });
  after(() => app.close());

  for (const account of [SHOP, BLOG]) {
    it(`--account ${account.name}: WECHAT_PATH/${account.name}, signed with its token`, async () => {
      const result = await runProgram(cli('simulate'), ['--account', account.name, 'text', '你好'], { env, cwd: dir });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /reply: text\n {2}Content: 你好\n/);
    });
  }

  it('--aes: encrypted with the account’s encoding_aes_key', async () => {
    const result = await runProgram(cli('simulate'), ['--account=shop', '--aes', 'text', '安全'], { env, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Content: 安全/);
  });

  it('--aes for an account without encoding_aes_key → exit 1, one line', async () => {
    const result = await runProgram(cli('simulate'), ['--account', 'blog', '--aes', 'text', 'x'], { env, cwd: dir });
    assert.equal(result.code, 1);
    assert.match(oneLine(result), /^--aes needs encoding_aes_key in account blog's entry of ACCOUNTS_FILE$/);
  });

  it('another account’s path refuses the signature: the token is the account’s own', async () => {
    const result = await runProgram(cli('simulate'), ['--account', 'shop', '--url', `${app.url}/wechat/blog`, 'text', 'x'], {
      env,
      cwd: dir,
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 403/);
  });

  it('oauth --account for an entry without a secret → exit 1, one line naming the account', async () => {
    writeFileSync(join(dir, 'no-secret.yaml'), `accounts:\n  - name: news\n    appid: wx_news_account_03\n    token: news-token\n`);
    const result = await runProgram(cli('simulate'), ['--account', 'news', 'oauth'], {
      env: { ...env, ACCOUNTS_FILE: 'no-secret.yaml', WECHAT_API_BASE: 'http://127.0.0.1:9' },
      cwd: dir,
    });
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(oneLine(result), /^oauth --account news needs appid and secret in its entry of ACCOUNTS_FILE$/);
  });
});

describe('--account with an accounts file that also lists an account of the third-party platform', () => {
  const AUTHORISED = 'wx_authorised_cli_04';
  const PLATFORM = new FakeWeChat().component.env();
  let fake: FakeWeChat;
  let dir: string;
  let env: Record<string, string>;
  before(async () => {
    fake = await new FakeWeChat().start();
    fake.addAccount(SHOP.appId, SHOP.secret);
    dir = accountsDirectory();
    writeFileSync(join(dir, 'logo.png'), 'not really a png, but a file');
    writeFileSync(join(dir, 'replies', 'authorised.yaml'), 'subscribe: { type: image, file: ../logo.png }\n');
    // An entry without a token: an account that authorised the platform, by its AppID.
    writeFileSync(join(dir, 'mixed.yaml'), `${ACCOUNTS_YAML}  - appid: ${AUTHORISED}\n    replies_file: replies/authorised.yaml\n`);
    env = { WECHAT_API_BASE: fake.url, ACCOUNTS_FILE: 'mixed.yaml', ...SECRETS, ...PLATFORM };
  });
  after(() => fake.stop());

  it('with the platform’s variables the file reads as the server reads it: menu push --account shop', async () => {
    const pushed = await runProgram(cli('menu'), ['--account', 'shop', 'push'], { env, cwd: dir });
    assert.equal(pushed.code, 0, pushed.stderr);
    const [create] = fake.callsTo('/cgi-bin/menu/create');
    assert.equal(fake.ownerOf(create?.query.access_token), SHOP.appId);
  });

  it('without them, the file is refused as the server refuses it: the entry without a token named', async () => {
    const bare = Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('WECHAT_COMPONENT_')));
    const result = await runProgram(cli('menu'), ['--account', 'shop', 'pull'], { env: bare, cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'mixed.yaml:13: accounts[2].token: is missing (an entry without a token is an account that authorised the third-party platform: set WECHAT_COMPONENT_*)\n',
    );
  });

  it('replies check --account <appid>: its replies_file, no warning about credentials (its uploads go through the platform)', async () => {
    const result = await runProgram(cli('replies'), ['check', '--account', AUTHORISED], { env, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${join(dir, 'replies', 'authorised.yaml')}: 0 keyword rules, 0 scenes, 0 menu keys\n`);
    assert.equal(result.stderr, '');
  });

  it('simulate --account <appid>: one line, its messages are not at WECHAT_PATH', async () => {
    const result = await runProgram(cli('simulate'), ['--account', AUTHORISED, 'text', 'hi'], { env, cwd: dir });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `simulate --account ${AUTHORISED}: an account that authorised the platform gets its messages at /open/messages/<appid>, where simulate does not post yet\n`,
    );
  });
});
