import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createWeChatSide } from '../../src/testing.js';
import { freePort } from '../helpers/free-port.js';
import { runServer, untilListening, type ServerProcess } from '../helpers/run-server.js';

// ACCOUNTS_FILE is checked before `npm start` listens: the real process, its exit status and its stderr.

const SECRETS = {
  SHOP_SECRET: 'shop-app-secret-value-5c1e',
  SHOP_TOKEN: 'shop-token-value-93ab',
  NEWS_SECRET: 'news-app-secret-value-0d7f',
  NEWS_TOKEN: 'news-token-value-42e6',
};
const SHOP_APPID = 'wx_shop_account_01';
const NEWS_APPID = 'wx_news_account_02';

/** One entry of the YAML file; `extra` lines are added under it. */
function entry(name: string, appid: string, upper: string, ...extra: string[]): string {
  return [
    `  - name: ${name}`,
    `    appid: ${appid}`,
    `    secret: \${${upper}_SECRET}`,
    `    token: \${${upper}_TOKEN}`,
    ...extra.map((line) => `    ${line}`),
  ].join('\n');
}

const accountsYaml = (...entries: string[]): string => `accounts:\n${entries.join('\n')}\n`;
const VALID = accountsYaml(entry('shop', SHOP_APPID, 'SHOP'), entry('news', NEWS_APPID, 'NEWS'));

interface Refusal {
  readonly code: number | null;
  readonly stdout: string;
  readonly lines: readonly string[];
  readonly stderr: string;
}

/** Runs the server with `files` and `env`; it must exit on its own before it listens. */
async function refusedStart(env: Record<string, string>, files: Record<string, string>): Promise<Refusal> {
  const server: ServerProcess = runServer({ PORT: String(await freePort()), HOST: '127.0.0.1', ...env }, undefined, files);
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref());
  const code = await Promise.race([server.exited, timeout]);
  if (code === 'timeout') {
    server.child.kill('SIGKILL');
    await server.exited;
    assert.fail(`the server did not exit: ${server.stdout} ${server.stderr}`);
  }
  return { code, stdout: server.stdout, stderr: server.stderr, lines: server.stderr.split('\n').filter((line) => line !== '') };
}

/** Exit 1, nothing listened, exactly one stderr line per expected problem (in any order), no stack trace, no secret. */
function assertRefused(result: Refusal, expected: readonly RegExp[], secrets: readonly string[] = Object.values(SECRETS)): void {
  assert.equal(result.code, 1, result.stderr);
  assert.doesNotMatch(result.stdout, /listening/);
  assert.doesNotMatch(result.stderr, /listening/);
  assert.equal(result.lines.length, expected.length, `one line per problem:\n${result.stderr}`);
  for (const pattern of expected) {
    assert.equal(result.lines.filter((line) => pattern.test(line)).length, 1, `${pattern} in one line of:\n${result.stderr}`);
  }
  assert.doesNotMatch(result.stderr, /^\s+at /m, 'no stack trace');
  for (const secret of secrets) assert.ok(!result.stderr.includes(secret), `a secret value in stderr:\n${result.stderr}`);
}

describe('npm start with an accounts file that does not validate: exit 1 before listening', { concurrency: true }, () => {
  it('WECHAT_TOKEN (and WECHAT_APPID) beside ACCOUNTS_FILE: one line each, naming both variables', async () => {
    const token = 'part-one-token-value-77';
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS, WECHAT_TOKEN: token, WECHAT_APPID: 'wx_part_one_0001' },
      { 'accounts.yaml': VALID },
    );
    assertRefused(result, [/WECHAT_TOKEN and ACCOUNTS_FILE/, /WECHAT_APPID and ACCOUNTS_FILE/], [...Object.values(SECRETS), token]);
  });

  it('REPLIES_FILE beside ACCOUNTS_FILE: one line naming both', async () => {
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', REPLIES_FILE: 'replies.yaml', ...SECRETS },
      { 'accounts.yaml': VALID, 'replies.yaml': 'subscribe: 欢迎\n' },
    );
    assertRefused(result, [/REPLIES_FILE and ACCOUNTS_FILE/]);
  });

  it('MENU_FILE beside ACCOUNTS_FILE: one line naming both', async () => {
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', MENU_FILE: 'menu.json', ...SECRETS },
      { 'accounts.yaml': VALID, 'menu.json': '{ "button": [] }\n' },
    );
    assertRefused(result, [/MENU_FILE and ACCOUNTS_FILE/]);
  });

  it('a duplicate name: one line naming the file and accounts[1].name', async () => {
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS },
      { 'accounts.yaml': accountsYaml(entry('shop', SHOP_APPID, 'SHOP'), entry('shop', NEWS_APPID, 'NEWS')) },
    );
    assertRefused(result, [/accounts\.yaml\b.*accounts\[1\]\.name\b.*"shop".*accounts\[0\]/]);
  });

  it('a duplicate appid: one line naming the file and accounts[1].appid', async () => {
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS },
      { 'accounts.yaml': accountsYaml(entry('shop', SHOP_APPID, 'SHOP'), entry('news', SHOP_APPID, 'NEWS')) },
    );
    assertRefused(result, [/accounts\.yaml\b.*accounts\[1\]\.appid\b.*accounts\[0\]/]);
  });

  it("a name equal to another account's AppID: one line naming the file and accounts[1].name", async () => {
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS },
      { 'accounts.yaml': accountsYaml(entry('shop', SHOP_APPID, 'SHOP'), entry(SHOP_APPID, NEWS_APPID, 'NEWS')) },
    );
    assertRefused(result, [new RegExp(`accounts\\.yaml\\b.*accounts\\[1\\]\\.name\\b.*"${SHOP_APPID}" is the AppID of accounts\\[0\\]`)]);
  });

  it('an unset ${VAR}: one line naming the file, accounts[1].secret and the variable', async () => {
    const env: Record<string, string> = { ...SECRETS };
    delete env.NEWS_SECRET;
    const result = await refusedStart({ ACCOUNTS_FILE: 'accounts.yaml', ...env }, { 'accounts.yaml': VALID });
    assertRefused(result, [/accounts\.yaml\b.*accounts\[1\]\.secret\b.*\$\{NEWS_SECRET\} is not set/]);
  });

  it('an API key shorter than 16 characters: one line naming the file and accounts[1].api_keys[0], not the key', async () => {
    const key = 'short-key-9';
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS, NEWS_KEY: key },
      { 'accounts.yaml': accountsYaml(entry('shop', SHOP_APPID, 'SHOP'), entry('news', NEWS_APPID, 'NEWS', 'api_keys: ["${NEWS_KEY}"]')) },
    );
    assertRefused(result, [/accounts\.yaml\b.*accounts\[1\]\.api_keys\[0\]:.*11 characters/], [...Object.values(SECRETS), key]);
  });

  it('an API key used by two accounts: one line naming the file and accounts[1].api_keys[0], not the key', async () => {
    const key = 'shared-api-key-of-two-accounts-0042';
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS, SHARED_KEY: key },
      {
        'accounts.yaml': accountsYaml(
          entry('shop', SHOP_APPID, 'SHOP', 'api_keys: ["${SHARED_KEY}"]'),
          entry('news', NEWS_APPID, 'NEWS', 'api_keys: ["${SHARED_KEY}"]'),
        ),
      },
    );
    assertRefused(result, [/accounts\.yaml\b.*accounts\[1\]\.api_keys\[0\]:.*accounts\[0\]/], [...Object.values(SECRETS), key]);
  });

  it('an API key equal to ADMIN_TOKEN: one line naming the file and accounts[1].api_keys[0], not the key', async () => {
    const key = 'admin-token-also-an-api-key-0099';
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...SECRETS, ADMIN_TOKEN: key, NEWS_KEY: key },
      { 'accounts.yaml': accountsYaml(entry('shop', SHOP_APPID, 'SHOP'), entry('news', NEWS_APPID, 'NEWS', 'api_keys: ["${NEWS_KEY}"]')) },
    );
    assertRefused(result, [/accounts\.yaml\b.*accounts\[1\]\.api_keys\[0\]:.*ADMIN_TOKEN/], [...Object.values(SECRETS), key]);
  });

  it('several problems at once: one line for each', async () => {
    const env: Record<string, string> = { ...SECRETS };
    delete env.NEWS_SECRET;
    const result = await refusedStart(
      { ACCOUNTS_FILE: 'accounts.yaml', ...env },
      { 'accounts.yaml': accountsYaml(entry('shop', SHOP_APPID, 'SHOP'), entry('shop', SHOP_APPID, 'NEWS')) },
    );
    assertRefused(result, [
      /accounts\.yaml\b.*accounts\[1\]\.name\b/,
      /accounts\.yaml\b.*accounts\[1\]\.appid\b/,
      /accounts\.yaml\b.*accounts\[1\]\.secret\b.*\$\{NEWS_SECRET\}/,
    ]);
  });

  it('a file ACCOUNTS_FILE names that does not exist: one line naming it', async () => {
    const result = await refusedStart({ ACCOUNTS_FILE: 'nosuch-accounts.yaml', ...SECRETS }, {});
    assertRefused(result, [/nosuch-accounts\.yaml: no such file/]);
  });
});

describe('npm start with a JSON accounts file', () => {
  it('starts, and each account answers at WECHAT_PATH/<name> with its own token', async () => {
    const port = await freePort();
    const json = JSON.stringify({
      accounts: [
        { name: 'shop', appid: SHOP_APPID, secret: '${SHOP_SECRET}', token: '${SHOP_TOKEN}' },
        { name: 'news', appid: NEWS_APPID, secret: '${NEWS_SECRET}', token: '${NEWS_TOKEN}' },
      ],
    });
    const server = runServer({ PORT: String(port), HOST: '127.0.0.1', ACCOUNTS_FILE: 'accounts.json', ...SECRETS }, undefined, {
      'accounts.json': json,
    });
    try {
      await untilListening(server);
      for (const [name, token] of [
        ['shop', SECRETS.SHOP_TOKEN],
        ['news', SECRETS.NEWS_TOKEN],
      ] as const) {
        const wechat = createWeChatSide({ token, account: `gh_${name}` });
        const echo = `echo-${name}-123`;
        const verified = await fetch(`http://127.0.0.1:${port}/wechat/${name}?${wechat.verificationQuery(echo)}`);
        assert.equal(verified.status, 200, name);
        assert.equal(await verified.text(), echo, name);
        const signed = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: '你好' }));
        const answer = await fetch(`http://127.0.0.1:${port}/wechat/${name}?${signed.query}`, { method: 'POST', body: signed.body });
        assert.equal(answer.status, 200, name);
        wechat.checkReply(answer.status, await answer.text());
      }
      // Another account's token does not open shop's URL.
      const other = createWeChatSide({ token: SECRETS.NEWS_TOKEN, account: 'gh_news' });
      assert.equal((await fetch(`http://127.0.0.1:${port}/wechat/shop?${other.verificationQuery('x')}`)).status, 403);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
