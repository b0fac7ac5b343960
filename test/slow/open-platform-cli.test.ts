import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { freePort } from '../helpers/free-port.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';

// `npm run menu -- push --account <appid>` for an account that authorised the platform:
// the command builds the platform on the state the server wrote (OPEN_STATE_FILE here)
// and calls WeChat with the account's authorizer token.

const menuCommand = fileURLToPath(new URL('../../src/cli/menu.ts', import.meta.url));
const noticesCommand = fileURLToPath(new URL('../../src/cli/notices.ts', import.meta.url));
const example = readFileSync(new URL('../../menu.example.json', import.meta.url), 'utf8');

const SHOP = 'wx_authorised_shop_01';
/** Listed in the accounts file, never authorised. */
const NEWS = 'wx_listed_news_02';

const notAuthorised = (appId: string): string =>
  `--account ${appId}: ${appId} has not authorised the third-party platform (or took its authorisation back): ask the platform's admin to open /open/authorize\n`;

describe('npm run menu --account <appid> for an account that authorised the platform (OPEN_STATE_FILE)', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  let dir: string;
  const component = () => fake.component;
  /** The command's environment: the platform's variables, its state file, the accounts file. */
  const commandEnv = (more: Record<string, string> = {}): Record<string, string> => ({
    WECHAT_API_BASE: fake.url,
    ...component().env(),
    ACCOUNTS_FILE: 'accounts.yaml',
    OPEN_STATE_FILE: 'open-state.json',
    ...more,
  });
  const menu = (args: string[], env = commandEnv()): Promise<ProgramResult> => runProgram(menuCommand, args, { env, cwd: dir });
  /** The state file with `change` made to the platform's entry, written beside it as `name`. */
  const stateCopy = (name: string, change: (entry: { ticket?: unknown; authorizers: Record<string, Record<string, unknown>> }) => void) => {
    const state = JSON.parse(readFileSync(join(dir, 'open-state.json'), 'utf8')) as {
      components: Record<string, { ticket?: unknown; authorizers: Record<string, Record<string, unknown>> }>;
    };
    const entry = state.components[component().appId];
    assert.ok(entry !== undefined, 'the server wrote the platform’s entry');
    change(entry);
    writeFileSync(join(dir, name), JSON.stringify(state));
    return name;
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'open-cli-'));
    mkdirSync(join(dir, 'menus'));
    writeFileSync(join(dir, 'menus', 'shop.json'), example);
    writeFileSync(join(dir, 'accounts.yaml'), `accounts:\n  - appid: ${SHOP}\n    menu_file: menus/shop.json\n  - appid: ${NEWS}\n`);
    fake = await new FakeWeChat().start();
    app = await startApp({
      WECHAT_API_BASE: fake.url,
      ...component().env(),
      WECHAT_TOKEN: '',
      ACCOUNTS_FILE: join(dir, 'accounts.yaml'),
      OPEN_STATE_FILE: join(dir, 'open-state.json'),
    });
    await component().pushTicket(app.url);
    await component().authorise(app.url, SHOP);
  });
  after(async () => {
    await app?.close();
    await fake?.stop();
  });

  it('push: the menu_file of its entry, created with the account’s authorizer token', async () => {
    const pushed = await menu(['push', '--account', SHOP]);
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.equal(pushed.stderr, '');
    assert.match(pushed.stdout, /^menu\/create: the menu, 3 top-level buttons$/m);
    const creates = fake.callsTo('/cgi-bin/menu/create');
    assert.equal(creates.length, 1);
    assert.equal(fake.ownerOf(creates[0]?.query.access_token), SHOP);
    assert.ok(component().authorizerTokens.has(creates[0]?.query.access_token ?? ''), 'an authorizer token, not an access token');
    assert.equal(fake.menus.menu?.length, 3);
    // From the file the server wrote: its ticket gave the component token, its refresh token the authorizer token.
    const refreshed = fake.callsTo('/cgi-bin/component/api_authorizer_token').at(-1)?.body as { authorizer_appid?: string } | undefined;
    assert.equal(refreshed?.authorizer_appid, SHOP);
  });

  it('notices templates list --account <appid>: the same way, with its authorizer token', async () => {
    const listed = await runProgram(noticesCommand, ['templates', 'list', '--account', SHOP], { env: commandEnv(), cwd: dir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^NOTICE_ONE_TIME {2}one-time {2}预约成功通知$/m);
    const [call] = fake.callsTo('/wxaapi/newtmpl/gettemplate');
    assert.equal(fake.ownerOf(call?.query.access_token), SHOP);
  });

  it('an AppID listed but never authorised: one line, exit 1, nothing asked of WeChat', async () => {
    const calls = fake.calls.length;
    const result = await menu(['push', '--account', NEWS, 'menus/shop.json']);
    assert.deepEqual(
      { code: result.code, stderr: result.stderr, stdout: result.stdout },
      { code: 1, stderr: notAuthorised(NEWS), stdout: '' },
    );
    assert.equal(fake.calls.length, calls);
  });

  it('an AppID the accounts file does not list: one line naming the file, and how to list one', async () => {
    const result = await menu(['pull', '--account', 'wx_nobody_03']);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `--account wx_nobody_03: no such account in accounts.yaml (it lists ${SHOP}, ${NEWS}; list an account that authorised the platform as \`- appid: <appid>\`)\n`,
    );
  });

  it('marked as needing re-authorisation (61023): one line saying so, nothing asked of WeChat', async () => {
    const file = stateCopy('marked-state.json', (entry) => {
      entry.authorizers[SHOP] = { ...entry.authorizers[SHOP], needsReauthorization: true };
    });
    const calls = fake.calls.length;
    const result = await menu(['pull', '--account', SHOP], commandEnv({ OPEN_STATE_FILE: file }));
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `the account ${SHOP} must authorise the platform again: its refresh token is no longer valid; ask the platform's admin to open /open/authorize\n`,
    );
    assert.equal(fake.calls.length, calls);
  });

  it('WeChat refuses its refresh token (61023): one line saying so, and the state file marks it', async () => {
    const file = stateCopy('refused-state.json', () => undefined);
    const refresh = component().refreshTokens.get(SHOP) ?? '';
    component().refreshTokens.set(SHOP, 'refreshtoken@@@replaced-elsewhere');
    try {
      const result = await menu(['pull', '--account', SHOP], commandEnv({ OPEN_STATE_FILE: file }));
      assert.equal(result.code, 1);
      assert.equal(
        result.stderr,
        `the account ${SHOP} must authorise the platform again: its refresh token is no longer valid; ask the platform's admin to open /open/authorize\n`,
      );
    } finally {
      component().refreshTokens.set(SHOP, refresh);
    }
    const marked = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
      components: Record<string, { authorizers: Record<string, { needsReauthorization: boolean }> }>;
    };
    assert.equal(marked.components[component().appId]?.authorizers[SHOP]?.needsReauthorization, true);
  });

  it('no ticket: the line that says the platform waits for WeChat’s push, exit 1', async () => {
    const file = stateCopy('no-ticket-state.json', (entry) => delete entry.ticket);
    const result = await menu(['pull', '--account', SHOP], commandEnv({ OPEN_STATE_FILE: file }));
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      "waiting for WeChat's component_verify_ticket push… (WeChat pushes one to /open/events every 10 minutes): try again in a few minutes\n",
    );
  });

  it('some WECHAT_COMPONENT_* but not all: one line naming the missing ones', async () => {
    const env = commandEnv();
    delete env.WECHAT_COMPONENT_TOKEN;
    delete env.WECHAT_COMPONENT_AES_KEY;
    const result = await menu(['pull', '--account', SHOP], env);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'the open platform needs all four WECHAT_COMPONENT_* variables: WECHAT_COMPONENT_TOKEN, WECHAT_COMPONENT_AES_KEY are missing (set them, or unset WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET)\n',
    );
  });

  it('REDIS_URL set but Redis unreachable: one line, not the file (the state is in Redis)', async () => {
    const result = await menu(['pull', '--account', SHOP], commandEnv({ REDIS_URL: `redis://127.0.0.1:${await freePort()}` }));
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'Redis (REDIS_URL) is unreachable: the platform’s state (its ticket, the authorised accounts and their tokens) is there; try again once it answers\n',
    );
  });

  it('once it takes its authorisation back (unauthorized), the one line again', async () => {
    assert.equal((await component().push(app.url, component().unauthorizationXml(SHOP))).text, 'success');
    const result = await menu(['pull', '--account', SHOP]);
    assert.equal(result.code, 1);
    assert.equal(result.stderr, notAuthorised(SHOP));
  });
});
