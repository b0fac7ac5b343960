import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { CONTROL_CHARACTER } from '../helpers/control-characters.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';

const command = fileURLToPath(new URL('../../src/cli/menu.ts', import.meta.url));
const example = readFileSync(new URL('../../menu.example.json', import.meta.url), 'utf8');

/** Runs `npm run menu -- …`'s program in `cwd` with only `env` (no WECHAT_TOKEN). */
function menu(args: string[], env: Record<string, string>, cwd: string): Promise<ProgramResult> {
  return runProgram(command, args, { env, cwd });
}

describe('npm run menu against the fake WeChat', () => {
  let fake: FakeWeChat;
  let dir: string;
  let env: Record<string, string>;
  const run = (...args: string[]) => menu(args, env, dir);
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), typeof value === 'string' ? value : JSON.stringify(value));

  beforeEach(async () => {
    fake = await new FakeWeChat().start();
    dir = mkdtempSync(join(tmpdir(), 'menu-'));
    env = fake.env();
    write('menu.json', example);
  });
  afterEach(() => fake.stop());

  it('push, then pull > menu.json, then diff: no difference', async () => {
    const pushed = await run('push');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, /menu\/create: the menu, 3 top-level buttons/);
    assert.match(pushed.stdout, /menu\/addconditional: conditional\[0\] is menuid \d+/);
    assert.equal(fake.menus.conditional.size, 1);

    const pulled = await run('pull');
    assert.equal(pulled.code, 0, pulled.stderr);
    // The pulled file is the example again: no empty sub_button, no menuid, the tag as tag_id.
    assert.deepEqual(JSON.parse(pulled.stdout), JSON.parse(example));
    write('pulled.json', pulled.stdout);
    const checked = await run('check', 'pulled.json');
    assert.equal(checked.code, 0, checked.stderr);

    const diff = await run('diff', 'pulled.json');
    assert.equal(diff.code, 0, diff.stdout);
    assert.equal(diff.stdout, 'no difference\n');
  });

  it('diff names each difference by its path and exits 1', async () => {
    assert.equal((await run('push')).code, 0);
    const changed = JSON.parse(example) as { button: { name: string; sub_button: unknown[] }[]; conditional?: unknown };
    changed.button[0]!.name = '服务号';
    changed.button[2]!.sub_button.pop();
    delete changed.conditional;
    write('changed.json', changed);
    const diff = await run('diff', 'changed.json');
    assert.equal(diff.code, 1);
    assert.match(diff.stdout, /^button\[0\]\.name: file "服务号", WeChat "服务"$/m);
    assert.match(diff.stdout, /^button\[2\]\.sub_button\[2\]: only on WeChat: \{"type":"click","name":"联系客服","key":"CONTACT_US"\}$/m);
    assert.match(diff.stdout, /^conditional: only on WeChat/m);
  });

  it('diff against an account without a menu lists the whole file', async () => {
    const diff = await run('diff');
    assert.equal(diff.code, 1);
    assert.match(diff.stdout, /^button\[0\]: only in the file/m);
  });

  it('check names every problem at once and exits 1, without the network', async () => {
    write('bad.json', {
      button: [
        { type: 'click', name: '六个汉字菜单' },
        { name: '菜单', sub_button: [{ type: 'view', name: '网', url: 'ftp://x' }] },
      ],
    });
    const result = await menu(['check', 'bad.json'], {}, dir);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^button\[0\]\.name: is 18 bytes of UTF-8, over the 16/m);
    assert.match(result.stdout, /^button\[0\]\.key: is missing$/m);
    assert.match(result.stdout, /^button\[1\]\.sub_button\[0\]\.url: must be an http:\/\/ or https:\/\/ URL$/m);
  });

  it('MENU_FILE names the default file; a file that is not JSON is a problem', async () => {
    write('broken.json', '{ "button": [');
    const result = await menu(['check'], { MENU_FILE: 'broken.json' }, dir);
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^\(file\): is not JSON/m);
  });

  it('push checks first: an invalid file is not sent', async () => {
    write('bad.json', { button: [] });
    const result = await run('push', 'bad.json');
    assert.equal(result.code, 1);
    assert.match(result.stdout, /^button: has 0 top-level buttons/m);
    assert.equal(fake.count('/cgi-bin/menu/create'), 0);
  });

  it('a push WeChat refuses exits 1 with the errcode and errmsg', async () => {
    const menuWith = (appid: string) => ({
      button: [{ type: 'miniprogram', name: '小程序', url: 'https://e.com/', appid, pagepath: 'pages/index' }],
    });
    write('unlinked.json', menuWith('wx_not_linked_to_the_account'));
    const unlinked = await run('push', 'unlinked.json');
    assert.equal(unlinked.code, 1);
    assert.match(unlinked.stderr, /WeChat refused \/cgi-bin\/menu\/create: errcode 45064 \(no permission to use weapp in menu\)/);
    assert.match(unlinked.stderr, /not linked to this account/);

    fake.on('/cgi-bin/menu/create', { errcode: 40018, errmsg: 'invalid button name size' });
    const refused = await run('push');
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /errcode 40018 \(invalid button name size\)/);
    assert.equal(fake.menus.menu, undefined);
  });

  it('push replaces the personalised menus', async () => {
    assert.equal((await run('push')).code, 0);
    const [oldId] = [...fake.menus.conditional.keys()];
    const next = JSON.parse(example) as { conditional: { matchrule: Record<string, string> }[] };
    next.conditional[0]!.matchrule = { tag_id: '200' };
    next.conditional.push({ ...next.conditional[0]!, matchrule: { client_platform_type: '1' } });
    write('next.json', next);

    const pushed = await run('push', 'next.json');
    assert.equal(pushed.code, 0, pushed.stderr);
    assert.match(pushed.stdout, new RegExp(`menu/delconditional: personalised menu ${oldId}`));
    assert.deepEqual(
      fake.callsTo('/cgi-bin/menu/delconditional').map((call) => call.body),
      [{ menuid: String(oldId) }],
    );
    assert.deepEqual(
      [...fake.menus.conditional.values()].map((menu) => menu.matchrule),
      [{ tag_id: '200' }, { client_platform_type: '1' }],
    );

    // A file without conditional menus removes them.
    write('plain.json', { button: JSON.parse(example).button as unknown });
    assert.equal((await run('push', 'plain.json')).code, 0);
    assert.equal(fake.menus.conditional.size, 0);
  });

  it('delete asks for --yes: without it, exit 2 and nothing is deleted', async () => {
    assert.equal((await run('push')).code, 0);
    const asked = await run('delete');
    assert.equal(asked.code, 2);
    assert.match(asked.stderr, /delete --yes/);
    assert.equal(fake.count('/cgi-bin/menu/delete'), 0);
    assert.notEqual(fake.menus.menu, undefined);

    const deleted = await run('delete', '--yes');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(fake.count('/cgi-bin/menu/delete'), 1);
    assert.equal(fake.menus.menu, undefined);
    assert.equal(fake.menus.conditional.size, 0);

    const pulled = await run('pull');
    assert.equal(pulled.code, 1);
    assert.match(pulled.stderr, /the account has no menu yet \(menu\/get answered errcode 46003\)/);
  });

  describe('pull --out FILE writes only a menu WeChat gave, and replaces FILE at once', () => {
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    /** The directory holds these files and nothing else: no temporary file is left behind. */
    const assertOnly = (...names: string[]) => assert.deepEqual(readdirSync(dir).sort(), ['menu.json', ...names].sort());

    it('writes the file stdout would show, replacing the old one', async () => {
      assert.equal((await run('push')).code, 0);
      write('pulled.json', 'an old copy');
      const old = statSync(join(dir, 'pulled.json')).ino;
      const pulled = await run('pull', '--out', 'pulled.json');
      assert.equal(pulled.code, 0, pulled.stderr);
      // A new file renamed over the old one, not the old one rewritten in place.
      assert.notEqual(statSync(join(dir, 'pulled.json')).ino, old);
      assert.equal(pulled.stdout, 'wrote pulled.json: 3 top-level buttons, 1 personalised menu\n');
      assert.deepEqual(JSON.parse(read('pulled.json')), JSON.parse(example));
      assert.equal(read('pulled.json'), (await run('pull')).stdout);
      assert.equal((await run('pull', '--out=copy.json')).code, 0);
      assert.equal(read('copy.json'), read('pulled.json'));
      assertOnly('pulled.json', 'copy.json');
      assert.equal((await run('diff', 'pulled.json')).code, 0);
    });

    it('an account without a menu (46003): exit 1, one line saying how to start one, no file written or replaced', async () => {
      write('kept.json', 'the copy from yesterday');
      const kept = await run('pull', '--out', 'kept.json');
      assert.equal(kept.code, 1);
      assert.equal(kept.stdout, '');
      assert.equal(kept.stderr.split('\n').length, 2, kept.stderr); // one line and its line feed
      assert.match(
        kept.stderr,
        /^the account has no menu yet \(menu\/get answered errcode 46003\); kept\.json not written; to start one: `npm run menu -- check menu\.example\.json`, then `npm run menu -- push menu\.example\.json`$/m,
      );
      assert.equal(read('kept.json'), 'the copy from yesterday');

      const fresh = await run('pull', '--out', 'fresh.json');
      assert.equal(fresh.code, 1);
      assert.equal(existsSync(join(dir, 'fresh.json')), false);
      assertOnly('kept.json');
    });

    it('any other errcode, or an answer too deep: exit 1, the file untouched', async () => {
      write('kept.json', 'the copy from yesterday');
      fake.on('/cgi-bin/menu/get', { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      const refused = await run('pull', '--out', 'kept.json');
      assert.equal(refused.code, 1);
      assert.match(
        refused.stderr,
        /^WeChat refused \/cgi-bin\/menu\/get: errcode 45009 \(reach max api daily quota limit\); kept\.json not written$/m,
      );

      fake.on('/cgi-bin/menu/get', { raw: `{"menu":${'['.repeat(40)}${']'.repeat(40)}}` });
      const deep = await run('pull', '--out', 'kept.json');
      assert.equal(deep.code, 1);
      assert.match(deep.stderr, /^menu\/get: WeChat's answer is nested deeper than 32 levels; not read; kept\.json not written$/m);
      assert.equal(read('kept.json'), 'the copy from yesterday');
      assertOnly('kept.json');
    });

    it('a file it cannot write: exit 1 with the reason, nothing left behind', async () => {
      assert.equal((await run('push')).code, 0);
      const missing = await run('pull', '--out', join('no-such-folder', 'menu.json'));
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /^could not write no-such-folder\/menu\.json: ENOENT$/m);
      mkdirSync(join(dir, 'a-folder'));
      const folder = await run('pull', '--out', 'a-folder');
      assert.equal(folder.code, 1);
      assert.match(folder.stderr, /^could not write a-folder: /m);
      assert.deepEqual(readdirSync(join(dir, 'a-folder')), []);
      assertOnly('a-folder');
    });
  });

  describe('what comes from outside is printed with its control characters escaped', () => {
    const RED = '\x1b[31m';
    const TITLE = '\x1b]0;pwned\x07';
    const LINK = '\x1b]8;;https://evil.example/\x1b\\click\x1b]8;;\x1b\\';
    const assertEscaped = (result: ProgramResult) => {
      const output = result.stdout + result.stderr;
      assert.doesNotMatch(output, CONTROL_CHARACTER, JSON.stringify(output));
      assert.match(output, /\\u001b/, 'the escape is shown, not dropped');
    };
    const answer = {
      menu: { button: [{ type: 'click', name: `${RED}红${TITLE}\u009b2J\x7f`, key: 'K', sub_button: [], [`${RED}field`]: 1 }] },
    };

    it('pull: ESC, OSC, C1 and DEL in a button name and a field; the output is still the JSON', async () => {
      fake.on('/cgi-bin/menu/get', { body: answer });
      const pulled = await run('pull');
      assert.equal(pulled.code, 0, pulled.stderr);
      assertEscaped(pulled);
      const file = JSON.parse(pulled.stdout) as { button: { name: string }[] };
      assert.equal(file.button[0]?.name, `${RED}红${TITLE}\u009b2J\x7f`);
    });

    it('diff: a path made of WeChat’s field names', async () => {
      fake.on('/cgi-bin/menu/get', { body: answer });
      const diff = await run('diff');
      assert.equal(diff.code, 1);
      assertEscaped(diff);
      assert.match(diff.stdout, /^button\[0\]\.\\u001b\[31mfield: only on WeChat: 1$/m);
    });

    it('push: an errmsg, and a menuid, with escape sequences', async () => {
      fake.on('/cgi-bin/menu/create', { errcode: 40018, errmsg: `${RED}invalid\nbutton${TITLE}` });
      const refused = await run('push');
      assert.equal(refused.code, 1);
      assertEscaped(refused);
      assert.match(
        refused.stderr,
        /^WeChat refused \/cgi-bin\/menu\/create: errcode 40018 \(\\u001b\[31minvalid\\u000abutton\\u001b\]0;pwned\\u0007\)$/m,
      );

      fake.on('/cgi-bin/menu/addconditional', { body: { errcode: 0, menuid: LINK } });
      const pushed = await run('push');
      assert.equal(pushed.code, 0, pushed.stderr);
      assertEscaped(pushed);
    });

    it('check: a menu file that is not JSON, with an escape sequence where it breaks', async () => {
      write('menu.json', `{ "button": ${RED} }`);
      const checked = await run('check');
      assert.equal(checked.code, 1);
      assertEscaped(checked);
    });
  });

  describe('JSON nested deeper than 32 levels: one line, exit 1, no stack trace', () => {
    const depth = 9_000;
    const deep = `{"menu":{"button":[${'{"name":"x","sub_button":['.repeat(depth)}${']}'.repeat(depth)}]}}`;
    const assertOneLine = (result: ProgramResult) => {
      assert.equal(result.code, 1, result.stderr);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.match(result.stderr, /nested deeper than 32 levels/);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
    };

    for (const command of ['pull', 'diff', 'push']) {
      it(`${command}: WeChat's menu/get answer nested ${depth} deep`, async () => {
        fake.on('/cgi-bin/menu/get', { raw: deep });
        const result = await run(command);
        assertOneLine(result);
        assert.match(result.stderr, /^menu\/get: /);
      });
    }

    it('diff and check: a menu file nested as deep', async () => {
      write('deep.json', deep.replace('{"menu":', '').slice(0, -1));
      const checked = await run('check', 'deep.json');
      assert.equal(checked.code, 1);
      assert.match(checked.stdout, /^\(file\): nested deeper than 32 levels$/m);
      const diff = await run('diff', 'deep.json');
      assert.equal(diff.code, 1);
      assert.match(diff.stdout, /^\(file\): nested deeper than 32 levels$/m);
      assert.equal(fake.count('/cgi-bin/menu/get'), 0);
    });

    it('an answer 32 levels deep is read, 33 levels are refused', async () => {
      // The answer, menu, button and a button are 4 levels; arrays in a field make the rest.
      const nested = (levels: number) =>
        `{"menu":{"button":[{"name":"x","type":"click","key":"k","extra":${'['.repeat(levels - 4)}${']'.repeat(levels - 4)}}]}}`;
      fake.on('/cgi-bin/menu/get', { raw: nested(32) });
      const pulled = await run('pull');
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.match(pulled.stdout, /"extra": \[/);
      fake.on('/cgi-bin/menu/get', { raw: nested(33) });
      assertOneLine(await run('pull'));
    });
  });

  it('usage errors exit 2', async () => {
    for (const args of [
      [],
      ['frob'],
      ['pull', 'extra.json'],
      ['check', '--force'],
      ['delete', 'x.json', '--yes'],
      ['pull', '--out'],
      ['pull', '--out='],
      ['push', '--out', 'x.json'],
    ]) {
      const result = await run(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /usage: npm run menu -- <command>/);
    }
  });

  it('without WECHAT_APPID: exit 1 saying what is needed', async () => {
    const result = await menu(['pull'], { WECHAT_API_BASE: fake.url }, dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /WECHAT_APPID and WECHAT_APPSECRET are needed/);
  });

  it('malformed variables: a line for each, exit 1, WeChat not called', async () => {
    const result = await menu(['push'], { ...env, WECHAT_TOKEN_MODE: 'fast', REDIS_URL: 'http://127.0.0.1:6379' }, dir);
    assert.equal(result.code, 1);
    assert.deepEqual(
      result.stderr.split('\n').map((line) => /^([A-Z_]+) /.exec(line)?.[1] ?? line),
      ['WECHAT_TOKEN_MODE', 'REDIS_URL', ''],
    );
    assert.equal(fake.count('/cgi-bin/stable_token'), 0);
  });

  it('reads .env like the server', async () => {
    write('.env', `WECHAT_APPID=${fake.appId}\nWECHAT_APPSECRET=${fake.appSecret}\nWECHAT_API_BASE=${fake.url}\nMENU_FILE=from-env.json\n`);
    write('from-env.json', example);
    const result = await menu(['push'], {}, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.notEqual(fake.menus.menu, undefined);
  });

  it('without Redis it uses a stable token, even with WECHAT_TOKEN_MODE=token', async () => {
    const result = await menu(['push'], { ...env, WECHAT_TOKEN_MODE: 'token' }, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(fake.count('/cgi-bin/token'), 0);
    assert.equal(fake.count('/cgi-bin/stable_token'), 1);
  });

  it('with Redis unreachable it says so and uses a stable token', async () => {
    const result = await menu(['push'], { ...env, REDIS_URL: 'redis://127.0.0.1:9', WECHAT_TOKEN_MODE: 'token' }, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Redis \(REDIS_URL\) is unreachable: using a stable access token/);
    assert.equal(fake.count('/cgi-bin/token'), 0);
  });
});

describeWithRedis('npm run menu shares the servers’ token through Redis', () => {
  let fake: FakeWeChat;
  let redis: PrivateRedis;
  let dir: string;
  before(async () => {
    fake = await new FakeWeChat().start();
    redis = await PrivateRedis.start();
    dir = mkdtempSync(join(tmpdir(), 'menu-redis-'));
    writeFileSync(join(dir, 'menu.json'), example);
  });
  after(async () => {
    await fake.stop();
    await redis.stop();
  });

  it('two commands in token mode fetch one token between them', async () => {
    const env = { ...fake.env(), REDIS_URL: redis.url, WECHAT_TOKEN_MODE: 'token' };
    assert.equal((await menu(['push'], env, dir)).code, 0);
    const diff = await menu(['diff'], env, dir);
    assert.equal(diff.code, 0, diff.stderr);
    assert.equal(fake.count('/cgi-bin/token'), 1);
    assert.equal(fake.count('/cgi-bin/stable_token'), 0);
  });
});
