import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CONTROL_CHARACTER } from '../helpers/control-characters.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';

const command = fileURLToPath(new URL('../../src/cli/notices.ts', import.meta.url));

const ADD = '/wxaapi/newtmpl/addtemplate';
const DELETE = '/wxaapi/newtmpl/deltemplate';
const TEMPLATES = '/wxaapi/newtmpl/gettemplate';

/** `text` matched as it is inside a regular expression. */
const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** stderr is exactly one line (and its line feed). */
const assertOneLine = (result: ProgramResult): void => assert.equal(result.stderr.split('\n').length, 2, JSON.stringify(result.stderr));

describe('npm run notices -- templates, against the fake WeChat', () => {
  let fake: FakeWeChat;
  let dir: string;
  let env: Record<string, string>;
  /** Runs `npm run notices -- …`'s program in a directory of its own, with only `env`. */
  const run = (...args: string[]) => runProgram(command, args, { env, cwd: dir });

  beforeEach(async () => {
    fake = await new FakeWeChat().start();
    dir = mkdtempSync(join(tmpdir(), 'notices-'));
    env = fake.env();
  });
  afterEach(() => fake.stop());

  it('list: each template’s id, kind, title and keywords', async () => {
    const listed = await run('templates', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(
      listed.stdout,
      'NOTICE_ONE_TIME  one-time  预约成功通知\n' +
        '  keywords: thing1 time2 phone_number3\n' +
        'NOTICE_LONG_TERM  long-term  账户余额提醒\n' +
        '  keywords: amount1 date2\n',
    );
    assert.equal(fake.count(TEMPLATES), 1);
  });

  it('list on an account without templates says how to add one', async () => {
    fake.notices.templates.length = 0;
    const listed = await run('templates', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^no templates: add one with `npm run notices -- templates add --tid TID --keywords 1,2`\n$/);
  });

  it('list --json: the templates as JSON', async () => {
    const listed = await run('templates', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    const { templates } = JSON.parse(listed.stdout) as { templates: Record<string, unknown>[] };
    assert.deepEqual(
      templates.map(({ id, kind, type, title, keywords }) => ({ id, kind, type, title, keywords })),
      [
        { id: 'NOTICE_ONE_TIME', kind: 'one-time', type: 2, title: '预约成功通知', keywords: ['thing1', 'time2', 'phone_number3'] },
        { id: 'NOTICE_LONG_TERM', kind: 'long-term', type: 3, title: '账户余额提醒', keywords: ['amount1', 'date2'] },
      ],
    );
    assert.equal(templates[1]?.content, '余额:{{amount1.DATA}}\n更新时间:{{date2.DATA}}');
  });

  it('add: the template WeChat added, its id printed, then listed', async () => {
    const added = await run('templates', 'add', '--tid', '1001', '--keywords', '3,1,2', '--scene=预约成功后提醒');
    assert.equal(added.code, 0, added.stderr);
    assert.equal(added.stdout, 'added NOTICE_ADDED_1 (tid 1001, keyword ids 3,1,2)\n');
    assert.deepEqual(
      fake.callsTo(ADD).map((call) => call.body),
      [{ tid: '1001', kidList: [3, 1, 2], sceneDesc: '预约成功后提醒' }],
    );
    const listed = await run('templates', 'list');
    assert.match(listed.stdout, /^NOTICE_ADDED_1 {2}one-time {2}预约提醒\n {2}keywords: thing3 thing1 time2\n$/m);
  });

  it('add: 5 keyword ids and a 15-character scene are WeChat’s to judge (here 200018, exit 1)', async () => {
    const added = await run('templates', 'add', '--tid=1001', '--keywords=1,2,3,4,5', '--scene', '一二三四五六七八九十一二三四五');
    assert.equal(added.code, 1, added.stderr);
    assert.equal(fake.count(ADD), 1);
    assertOneLine(added);
    assert.match(added.stderr, /^WeChat refused \/wxaapi\/newtmpl\/addtemplate: errcode 200018 \(keyword id not exist\)$/m);
  });

  it('add: an argument problem exits 2 with one usage line, before any call to WeChat', async () => {
    const cases: [string[], RegExp][] = [
      [['--keywords', '1,2'], /^add needs --tid;/],
      [['--tid', '1001'], /^add needs --keywords;/],
      [['--tid', 'abc', '--keywords', '1,2'], /^--tid: "abc" is not a tid/],
      [['--tid', '1001', '--keywords', '1'], /^--keywords: 1 keyword id: WeChat takes 2 to 5;/],
      [['--tid', '1001', '--keywords', '1,2,3,4,5,6'], /^--keywords: 6 keyword ids: WeChat takes 2 to 5;/],
      [['--tid', '1001', '--keywords', '1,x'], /^--keywords: "1,x" is not a list of keyword ids/],
      [['--tid', '1001', '--keywords', '0,1'], /^--keywords: "0,1" is not a list of keyword ids/],
      [['--tid', '1001', '--keywords', '1,,2'], /^--keywords: "1,,2" is not a list of keyword ids/],
      [
        ['--tid', '1001', '--keywords', '1,2', '--scene', '一二三四五六七八九十一二三四五六'],
        /^--scene is 16 characters, WeChat takes at most 15;/,
      ],
      [['--tid', '1001', '--keywords', '1,2', 'extra'], /^too many arguments for add;/],
      [['--tid'], /^--tid needs a value;/],
      [['--tid=', '--keywords', '1,2'], /^--tid needs a value;/],
      [['--tid', '1001', '--keywords', '1,2', '--json'], /^--json is for list and categories;/],
    ];
    const results = await Promise.all(cases.map(([args]) => run('templates', 'add', ...args)));
    results.forEach((result, index) => {
      const [args, problem] = cases[index]!;
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assertOneLine(result);
      assert.match(result.stderr, problem);
      assert.match(result.stderr, /; usage: npm run notices -- templates add --tid TID --keywords 1,2,3 \[--scene TEXT\]\n$/);
      assert.equal(result.stdout, '');
    });
    assert.equal(fake.count(ADD), 0);
    assert.equal(fake.calls.length, 0, 'not even an access token');
  });

  it('add: WeChat’s errcode exits 1 with one line naming it', async () => {
    const unknown = await run('templates', 'add', '--tid', '9999', '--keywords', '1,2');
    assert.equal(unknown.code, 1);
    assertOneLine(unknown);
    assert.equal(unknown.stderr, 'WeChat refused /wxaapi/newtmpl/addtemplate: errcode 200014 (template tid not exist)\n');
    assert.equal(unknown.stdout, '');

    fake.on(ADD, { errcode: 200012, errmsg: 'template count reaches max' });
    const full = await run('templates', 'add', '--tid', '1001', '--keywords', '1,2');
    assert.equal(full.code, 1);
    assert.equal(full.stderr, 'WeChat refused /wxaapi/newtmpl/addtemplate: errcode 200012 (template count reaches max)\n');
    assert.equal(fake.notices.templates.length, 2);
  });

  it('delete: the template named, gone from the account', async () => {
    const deleted = await run('templates', 'delete', 'NOTICE_ONE_TIME');
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(deleted.stdout, 'deleted NOTICE_ONE_TIME\n');
    assert.deepEqual(
      fake.callsTo(DELETE).map((call) => call.body),
      [{ priTmplId: 'NOTICE_ONE_TIME' }],
    );
    assert.deepEqual(
      fake.notices.templates.map((template) => template.priTmplId),
      ['NOTICE_LONG_TERM'],
    );
  });

  it('delete: an id WeChat does not know exits 1 with its errcode', async () => {
    const deleted = await run('templates', 'delete', 'NO_SUCH_TEMPLATE');
    assert.equal(deleted.code, 1);
    assert.equal(deleted.stderr, 'WeChat refused /wxaapi/newtmpl/deltemplate: errcode 200016 (template not exist)\n');
    assert.equal(fake.notices.templates.length, 2);
  });

  it('delete: an id of other characters, none, or two, exits 2 without a call', async () => {
    for (const [args, problem] of [
      [['NOTICE ONE'], /^"NOTICE ONE" is not a template id \(1 to 128 letters, digits, _ and -\);/],
      [['../NOTICE_ONE_TIME'], /^"\.\.\/NOTICE_ONE_TIME" is not a template id/],
      [['NOTICE\u001b[2J'], /^"NOTICE\\u001b\[2J" is not a template id/],
      [['A'.repeat(129)], /is not a template id/],
      [[], /^delete needs the template id;/],
      [['NOTICE_ONE_TIME', 'NOTICE_LONG_TERM'], /^too many arguments for delete;/],
    ] as const) {
      const result = await run('templates', 'delete', ...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assertOneLine(result);
      assert.match(result.stderr, problem);
      assert.match(result.stderr, /; usage: npm run notices -- templates delete ID\n$/);
    }
    assert.equal(fake.calls.length, 0);
    assert.equal(fake.notices.templates.length, 2);
  });

  it('categories: id and name of each, or JSON', async () => {
    const listed = await run('templates', 'categories');
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal(listed.stdout, '616  公交\n670  医疗服务\n');
    const json = await run('templates', 'categories', '--json');
    assert.equal(json.code, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), {
      categories: [
        { id: 616, name: '公交' },
        { id: 670, name: '医疗服务' },
      ],
    });
  });

  describe('what WeChat says is printed with its control characters escaped', () => {
    const HOSTILE = '\u001b[31m红色\u001b]0;pwned\u0007\n伪造的一行\u009b2J\u202e';
    const assertEscaped = (result: ProgramResult) => {
      const output = result.stdout + result.stderr;
      assert.doesNotMatch(output, CONTROL_CHARACTER, JSON.stringify(output));
      assert.doesNotMatch(output, /\u202e/, 'no bidirectional control');
      assert.match(output, /\\u001b\[31m/, 'the escape is shown, not dropped');
    };
    beforeEach(() => {
      fake.notices.templates.push({
        priTmplId: `HOSTILE${HOSTILE}`,
        title: HOSTILE,
        content: '{{thing1.DATA}}',
        example: HOSTILE,
        type: 2,
      });
    });

    it('list: a title and an id with ESC, OSC, a line feed, C1 and a bidi control stay on their line', async () => {
      const listed = await run('templates', 'list');
      assert.equal(listed.code, 0, listed.stderr);
      assertEscaped(listed);
      const escaped = '\\u001b[31m红色\\u001b]0;pwned\\u0007\\u000a伪造的一行\\u009b2J\\u202e';
      assert.match(
        listed.stdout,
        new RegExp(`^HOSTILE${escapeRegExp(escaped)} {2}one-time {2}${escapeRegExp(escaped)}\n {2}keywords: thing1\n$`, 'm'),
      );
      assert.doesNotMatch(listed.stdout, /^伪造的一行/m);
    });

    it('list --json: escaped, and still JSON with the same values', async () => {
      const listed = await run('templates', 'list', '--json');
      assert.equal(listed.code, 0, listed.stderr);
      assertEscaped(listed);
      const { templates } = JSON.parse(listed.stdout) as { templates: { id: string; title: string; example: string }[] };
      assert.equal(templates[2]?.title, HOSTILE);
      assert.equal(templates[2]?.id, `HOSTILE${HOSTILE}`);
      assert.equal(templates[2]?.example, HOSTILE);
    });

    it('sync: an extra’s title and id', async () => {
      writeFileSync(join(dir, 'none.yaml'), 'templates: []\n');
      const planned = await run('templates', 'sync', 'none.yaml', '--dry-run');
      assert.equal(planned.code, 0, planned.stderr);
      assertEscaped(planned);
      assert.match(planned.stdout, /^extra HOSTILE\\u001b\[31m/m);
    });

    it('categories, an errmsg and an added id', async () => {
      fake.on('/wxaapi/newtmpl/getcategory', { body: { errcode: 0, data: [{ id: 1, name: HOSTILE }] } });
      assertEscaped(await run('templates', 'categories'));
      fake.on(DELETE, { errcode: 200016, errmsg: HOSTILE });
      const refused = await run('templates', 'delete', 'NOTICE_ONE_TIME');
      assert.equal(refused.code, 1);
      assertOneLine(refused);
      assertEscaped(refused);
      fake.on(ADD, { body: { errcode: 0, priTmplId: HOSTILE } });
      const added = await run('templates', 'add', '--tid', '1001', '--keywords', '1,2');
      assert.equal(added.code, 0, added.stderr);
      assertEscaped(added);
    });
  });

  describe('templates sync FILE: the templates as code', () => {
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    const YAML = `# The account's notices
templates:
  - tid: 1001 # 预约提醒
    keywords: [3, 1]
    scene: 预约成功后提醒
  - tid: "2002"
    keywords: [1, 2]
    id: NOTICE_LONG_TERM
`;
    beforeEach(() => writeFileSync(join(dir, 'templates.yaml'), YAML));

    it('--dry-run: what it would add and the extras, exit 1, nothing added or written', async () => {
      const planned = await run('templates', 'sync', 'templates.yaml', '--dry-run');
      assert.equal(planned.code, 1, planned.stderr);
      assert.equal(
        planned.stdout,
        'kept NOTICE_LONG_TERM  账户余额提醒\n' +
          'would add templates[0]: tid 1001, keyword ids 3,1\n' +
          'extra NOTICE_ONE_TIME  预约成功通知: not in templates.yaml; `npm run notices -- templates delete NOTICE_ONE_TIME` removes it\n' +
          '1 to add, 1 kept, 1 extra (dry run: nothing changed)\n',
      );
      assert.equal(fake.count(ADD), 0);
      assert.equal(read('templates.yaml'), YAML);
    });

    it('adds what is missing, writes its id into the file (comments kept); the next run adds nothing', async () => {
      const synced = await run('templates', 'sync', 'templates.yaml');
      assert.equal(synced.code, 0, synced.stderr);
      assert.match(synced.stdout, /^added NOTICE_ADDED_1 \(templates\[0\]: tid 1001, keyword ids 3,1\)$/m);
      assert.match(synced.stdout, /^extra NOTICE_ONE_TIME /m);
      assert.match(synced.stdout, /^wrote 1 new id into templates\.yaml\n1 added, 1 kept, 1 extra\n$/m);
      assert.deepEqual(
        fake.callsTo(ADD).map((call) => call.body),
        [{ tid: '1001', kidList: [3, 1], sceneDesc: '预约成功后提醒' }],
      );
      assert.equal(read('templates.yaml'), YAML.replace('scene: 预约成功后提醒\n', 'scene: 预约成功后提醒\n    id: NOTICE_ADDED_1\n'));
      assert.deepEqual(readdirSync(dir), ['templates.yaml'], 'no temporary file left');

      const again = await run('templates', 'sync', 'templates.yaml');
      assert.equal(again.code, 0, again.stderr);
      assert.equal(fake.count(ADD), 1);
      assert.match(again.stdout, /^kept NOTICE_ADDED_1 {2}预约提醒\nkept NOTICE_LONG_TERM /m);
      assert.match(again.stdout, /^0 added, 2 kept, 1 extra\n$/m);
      assert.equal((await run('templates', 'sync', 'templates.yaml', '--dry-run')).code, 0);
    });

    it('a JSON file is written back as JSON; an id no longer on the account is added anew and replaced', async () => {
      const file = { templates: [{ tid: '2002', keywords: ['1', '3'], id: 'DELETED_ON_THE_PLATFORM' }] };
      writeFileSync(join(dir, 'templates.json'), JSON.stringify(file));
      const planned = await run('templates', 'sync', 'templates.json', '--dry-run');
      assert.match(
        planned.stdout,
        /^would add templates\[0\]: tid 2002, keyword ids 1,3; its id DELETED_ON_THE_PLATFORM is not on the account$/m,
      );
      const synced = await run('templates', 'sync', 'templates.json');
      assert.equal(synced.code, 0, synced.stderr);
      assert.deepEqual(JSON.parse(read('templates.json')), { templates: [{ tid: '2002', keywords: ['1', '3'], id: 'NOTICE_ADDED_1' }] });
      assert.match(synced.stdout, /^1 added, 0 kept, 2 extra$/m);
    });

    it('a file with problems: every one with its line, exit 1, WeChat not called', async () => {
      writeFileSync(
        join(dir, 'bad.yaml'),
        `templates:
  - tid: abc
    keywords: [1]
  - tid: 1001
    keywords: [1, 2]
    scene: 一二三四五六七八九十一二三四五六
    colour: red
  - keywords: [1, x]
    id: NOTICE_LONG_TERM
  - tid: 2002
    keywords: [1, 2]
    id: NOTICE_LONG_TERM
`,
      );
      const checked = await run('templates', 'sync', 'bad.yaml');
      assert.equal(checked.code, 1);
      assert.deepEqual(checked.stderr.trim().split('\n'), [
        'bad.yaml:2: templates[0].tid: "abc" is not a tid (the public template\'s number, such as 401)',
        'bad.yaml:3: templates[0].keywords: 1 keyword id: WeChat takes 2 to 5',
        'bad.yaml:6: templates[1].scene: is 16 characters, WeChat takes at most 15',
        'bad.yaml:7: templates[1].colour: unknown key',
        "bad.yaml:8: templates[2].tid: is missing: the public template's number, such as 401",
        'bad.yaml:8: templates[2].keywords: must be a list of keyword ids (whole numbers from 1), such as [1, 2, 3]',
        'bad.yaml:12: templates[3].id: NOTICE_LONG_TERM is named by an earlier entry too',
      ]);
      assert.equal(fake.calls.length, 0);

      writeFileSync(join(dir, 'empty.yaml'), '# nothing yet\n');
      const empty = await run('templates', 'sync', 'empty.yaml');
      assert.equal(empty.code, 1);
      assert.match(empty.stderr, /^empty\.yaml: must hold a list `templates:`/m);
      const missing = await run('templates', 'sync', 'no-such.yaml');
      assert.equal(missing.code, 1);
      assert.equal(missing.stderr, 'no-such.yaml: no such file\n');
      assert.equal(fake.calls.length, 0);
    });

    it('an errcode part-way: what was added is written into the file, then the errcode, exit 1', async () => {
      writeFileSync(
        join(dir, 'two.yaml'),
        'templates:\n  - tid: 1001\n    keywords: [1, 2]\n  - tid: 9999\n    keywords: [1, 2]\n  - tid: 2002\n    keywords: [1, 2]\n',
      );
      const synced = await run('templates', 'sync', 'two.yaml');
      assert.equal(synced.code, 1);
      assert.equal(synced.stderr, 'WeChat refused /wxaapi/newtmpl/addtemplate: errcode 200014 (template tid not exist)\n');
      assert.match(synced.stdout, /^added NOTICE_ADDED_1 .*\n(.*\n)*wrote 1 new id into two\.yaml\n$/);
      assert.equal(fake.count(ADD), 2, 'the third is not tried');
      assert.equal(
        read('two.yaml'),
        'templates:\n  - tid: 1001\n    keywords: [1, 2]\n    id: NOTICE_ADDED_1\n  - tid: 9999\n    keywords: [1, 2]\n  - tid: 2002\n    keywords: [1, 2]\n',
      );
    });

    it('sync without a file, or --dry-run elsewhere, is a usage error', async () => {
      for (const args of [
        ['templates', 'sync'],
        ['templates', 'sync', 'a.yaml', 'b.yaml'],
        ['templates', 'list', '--dry-run'],
      ]) {
        const result = await run(...args);
        assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
        assertOneLine(result);
      }
      assert.equal(fake.calls.length, 0);
    });
  });

  it('--help exits 0 with the usage; no command or an unknown one exits 2', async () => {
    const help = await run('--help');
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: npm run notices -- templates <command> \[--account NAME\]$/m);
    for (const args of [
      [],
      ['templates'],
      ['template', 'list'],
      ['templates', 'frob'],
      ['templates', 'list', 'extra'],
      ['templates', 'list', '--force'],
    ]) {
      const result = await run(...args);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assertOneLine(result);
      assert.match(result.stderr, /; usage: npm run notices -- templates /);
    }
    assert.equal(fake.calls.length, 0);
  });

  it('without WECHAT_APPID and WECHAT_APPSECRET: exit 1 saying what is needed', async () => {
    const result = await runProgram(command, ['templates', 'list'], { env: { WECHAT_API_BASE: fake.url }, cwd: dir });
    assert.equal(result.code, 1);
    assertOneLine(result);
    assert.match(result.stderr, /^WECHAT_APPID and WECHAT_APPSECRET are needed: put them in \.env or the environment$/m);
    assert.equal(fake.calls.length, 0);
  });

  it('reads .env like the server', async () => {
    writeFileSync(join(dir, '.env'), `WECHAT_APPID=${fake.appId}\nWECHAT_APPSECRET=${fake.appSecret}\nWECHAT_API_BASE=${fake.url}\n`);
    const result = await runProgram(command, ['templates', 'categories'], { env: {}, cwd: dir });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(fake.count('/wxaapi/newtmpl/getcategory'), 1);
  });
});

describe('npm run notices --account', () => {
  const SHOP = { name: 'shop', appId: 'wx_shop_account_01', secret: 'shop-secret-4b9d' };
  let fake: FakeWeChat;
  let dir: string;
  let env: Record<string, string>;
  const run = (...args: string[]) => runProgram(command, args, { env, cwd: dir });

  beforeEach(async () => {
    fake = await new FakeWeChat().start();
    fake.addAccount(SHOP.appId, SHOP.secret);
    dir = mkdtempSync(join(tmpdir(), 'notices-accounts-'));
    writeFileSync(
      join(dir, 'accounts.yaml'),
      `accounts:
  - name: ${SHOP.name}
    appid: ${SHOP.appId}
    secret: \${SHOP_SECRET}
    token: shop-token
  - name: news
    appid: wx_news_account_03
    token: news-token
`,
    );
    // The default account's variables are set too: --account must win over them.
    env = { ...fake.env(), ACCOUNTS_FILE: 'accounts.yaml', SHOP_SECRET: SHOP.secret };
  });
  afterEach(() => fake.stop());

  it('--account shop: the calls carry shop’s own access token', async () => {
    const added = await run('templates', 'add', '--account', 'shop', '--tid', '2002', '--keywords', '1,2');
    assert.equal(added.code, 0, added.stderr);
    const listed = await run('--account=wx_shop_account_01', 'templates', 'list');
    assert.equal(listed.code, 0, listed.stderr);
    const owners = [...fake.callsTo(ADD), ...fake.callsTo(TEMPLATES)].map((call) => fake.ownerOf(call.query.access_token));
    assert.deepEqual(owners, [SHOP.appId, SHOP.appId]);
  });

  it('an account the file does not list, one without a secret, or no ACCOUNTS_FILE: exit 1, one line, no call', async () => {
    const nosuch = await run('templates', 'list', '--account', 'nosuch');
    assert.equal(nosuch.code, 1);
    assertOneLine(nosuch);
    assert.match(nosuch.stderr, /^--account nosuch: no such account in accounts\.yaml \(it lists shop, news\)$/m);

    const news = await run('templates', 'list', '--account', 'news');
    assert.equal(news.code, 1);
    assertOneLine(news);
    assert.match(news.stderr, /^account news has no secret in ACCOUNTS_FILE: this command calls WeChat's API with it$/m);

    const noFile = await runProgram(command, ['templates', 'list', '--account', 'shop'], { env: fake.env(), cwd: dir });
    assert.equal(noFile.code, 1);
    assert.match(noFile.stderr, /^--account shop: ACCOUNTS_FILE is not set \(in \.env or the environment\)$/m);
    assert.equal(fake.calls.length, 0);
  });

  it('--account without a name is a usage error', async () => {
    const result = await run('templates', 'list', '--account');
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^--account needs an account name$/m);
  });
});
