import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { parseReplies } from '../../src/replies-file/load.js';
import { CONTROL_CHARACTER } from '../helpers/control-characters.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';

const cli = fileURLToPath(new URL('../../src/cli/replies.ts', import.meta.url));
const example = fileURLToPath(new URL('../../replies.example.yaml', import.meta.url));

/** Runs `npm run replies -- …`'s program in an empty directory (no .env). */
function replies(args: string[], env: Record<string, string> = {}): Promise<ProgramResult> {
  return runProgram(cli, args, { env });
}

const BAD = `subscribe: 欢迎
welcome: 多余的键
keywords:
  - exact: [帮助]
    reply: 好的
  - exact: 价格
    contains: 价
    reply: 两个条件
  - reply: 没有条件
  - regex: '^订单(\\d+'
    reply: 不能编译
  - exact: 图片
    reply: { type: gif, mediaId: x }
  - exact: 视频
    reply:
      type: video
      title: 缺 mediaId
  - exact: 图文
    reply: { type: news, articles: [{ description: 没有标题 }] }
  - exact: 1
    reply: 数字要加引号
  - exact: logo
    reply: { type: image, file: media/logo.png }
click:
  K: 3
`;

describe('npm run replies -- check', () => {
  it('the shipped example validates: exit 0 and a one-line summary', async () => {
    const { code, stdout, stderr } = await replies(['check', example], { WECHAT_APPID: 'wx_id', WECHAT_APPSECRET: 'a-secret' });
    assert.equal(stderr, '');
    assert.equal(code, 0);
    assert.match(stdout, /^.*replies\.example\.yaml: \d+ keyword rules, \d+ scenes, \d+ menu keys\n$/);
  });

  it('a file with mistakes: exit 1 and every problem on its own line, with its place and line', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replies-bad-')), 'replies.yaml');
    writeFileSync(file, BAD);
    const { code, stdout, stderr } = await replies(['check', file]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    const lines = stderr
      .trimEnd()
      .split('\n')
      .map((line) => line.slice(file.length));
    assert.deepEqual(lines, [
      ':2: welcome: unknown key',
      ':6: keywords[1]: a rule has exactly one of exact, contains or regex, not exact and contains',
      ':9: keywords[2]: a rule needs one of exact, contains or regex',
      ':10: keywords[3].regex: does not compile: missing closing ): `^订单(\\d+`',
      ':13: keywords[4].reply.type: type must be one of text, image, voice, video, music, news, transfer_customer_service',
      ':16: keywords[5].reply.mediaId: is missing (or give a file to upload)',
      ':19: keywords[6].reply.articles[0].title: is missing',
      ':20: keywords[7].exact: keywords are text or a list of text (put numbers in quotes)',
      `:23: keywords[8].reply.file: media/logo.png: no such file (looked for ${join(dirname(file), 'media', 'logo.png')})`,
      ':25: click.K: a reply is text, null (no reply), or an object with a type',
    ]);
  });

  it('a hand-over (transfer_customer_service) passes with or without kfAccount; a malformed kfAccount is refused with its place', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'replies-handover-'));
    const good = join(directory, 'good.yaml');
    writeFileSync(
      good,
      'keywords:\n  - exact: 人工\n    reply: { type: transfer_customer_service }\n' +
        '  - exact: 找小王\n    reply: { type: transfer_customer_service, kfAccount: xiaowang@coffee_shop }\n' +
        'message: { type: transfer_customer_service }\n',
    );
    const accepted = await replies(['check', good]);
    assert.equal(accepted.stderr, '');
    assert.equal(accepted.code, 0);
    assert.match(accepted.stdout, /good\.yaml: 2 keyword rules/);

    const bad = join(directory, 'bad.yaml');
    writeFileSync(
      bad,
      'keywords:\n  - exact: 找小王\n    reply: { type: transfer_customer_service, kfAccount: xiaowang }\n' +
        '  - exact: 找老板\n    reply: { type: transfer_customer_service, kfAccount: boss@coffee_shop, content: 稍等 }\n' +
        'message: { type: transfer_customer_service, kfAccount: 7 }\n',
    );
    const refused = await replies(['check', bad]);
    assert.equal(refused.code, 1);
    assert.deepEqual(
      refused.stderr
        .trimEnd()
        .split('\n')
        .map((line) => line.slice(bad.length)),
      [
        ':3: keywords[0].reply.kfAccount: kfAccount is an agent’s full account, name@account-id: a name of at most 10 letters, digits or _, then @ and the account’s WeChat ID',
        ':5: keywords[1].reply.content: unknown key',
        ':6: message.kfAccount: kfAccount must be text (put numbers in quotes)',
      ],
    );
  });

  it('a key with control characters (C1, DEL) is printed escaped', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replies-control-')), 'replies.yaml');
    writeFileSync(file, 'subscribe: 欢迎\n"\\x9b2J\\x7fwelcome": 多余\n');
    const { code, stderr } = await replies(['check', file]);
    assert.equal(code, 1);
    assert.doesNotMatch(stderr, CONTROL_CHARACTER);
    assert.match(stderr, /\\u009b2J\\u007fwelcome.*: unknown key$/m);
  });

  it('defaults to REPLIES_FILE, then replies.yaml', async () => {
    assert.match((await replies(['check'], { REPLIES_FILE: example })).stdout, /keyword rules/);
    const missing = await replies(['check']);
    assert.equal(missing.code, 1);
    assert.equal(missing.stderr, 'replies.yaml: no such file\n');
  });

  it('misuse: exit 2 with the usage', async () => {
    for (const args of [[], ['lint'], ['check', 'a.yaml', 'b.yaml']]) {
      const { code, stderr } = await replies(args);
      assert.equal(code, 2, args.join(' '));
      assert.match(stderr, /usage: npm run replies -- check \[file\]/);
    }
  });
});

describe('what the validation catches', () => {
  const problems = (text: string, name = 'r.yaml'): readonly string[] => {
    const result = parseReplies(text, name);
    return result.ok ? [] : result.problems;
  };

  it('YAML that does not parse, with its line', () => {
    assert.match(problems('subscribe: hi\nkeywords: [\n')[0] ?? '', /^r\.yaml:3: /);
    assert.match(problems('a: 1\na: 2\n')[0] ?? '', /^r\.yaml:2: Map keys must be unique/);
  });

  it('JSON that YAML would take but JSON does not', () => {
    assert.match(problems('{"subscribe": "hi",}', 'r.json')[0] ?? '', /^r\.json: not valid JSON/);
    assert.deepEqual(problems('{"subscribe": "hi"}', 'r.json'), []);
  });

  it('a file that is not a mapping', () => {
    assert.deepEqual(problems('- 帮助\n'), ['r.yaml:1: the file must be a mapping of subscribe, scenes, keywords, click and message']);
  });

  it('an empty file, or comments only, is valid and says nothing', () => {
    assert.deepEqual(problems(''), []);
    assert.deepEqual(problems('# 还没写\n'), []);
  });

  it('an empty keyword, and an empty list of them', () => {
    assert.deepEqual(problems('keywords:\n  - contains: ""\n    reply: x\n  - exact: []\n    reply: y\n'), [
      'r.yaml:2: keywords[0].contains: a keyword must not be empty',
      'r.yaml:4: keywords[1].exact: needs at least one keyword',
    ]);
  });

  it('an alias bomb: exit 1 and one line, no stack trace', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'replies-bomb-')), 'replies.yaml');
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [name, below] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
    ] as const)
      levels.push(`${name}: &${name} [${Array(10).fill(`*${below}`).join(', ')}]`);
    writeFileSync(file, `${levels.join('\n')}\n`);
    const { code, stdout, stderr } = await replies(['check', file]);
    assert.equal(code, 1);
    assert.equal(stdout, '');
    assert.match(stderr, /^[^\n]*replies\.yaml: its aliases stand for more than 10000 nodes in all[^\n]*\n$/);
  });

  it('replies that upload a file without WECHAT_APPID and WECHAT_APPSECRET: exit 0, and a warning naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'replies-media-'));
    writeFileSync(join(dir, 'logo.png'), 'not really a png, but a file');
    const file = join(dir, 'replies.yaml');
    writeFileSync(file, 'subscribe: { type: image, file: logo.png }\n');
    const without = await replies(['check', file], { WECHAT_APPID: 'wx_only_the_id' });
    assert.equal(without.code, 0);
    assert.match(without.stdout, /replies\.yaml: 0 keyword rules/);
    assert.match(
      without.stderr,
      /^warning: the replies file uploads a file \(.*logo\.png\), but WECHAT_APPID and WECHAT_APPSECRET are not both set/,
    );
    const withBoth = await replies(['check', file], { WECHAT_APPID: 'wx_id', WECHAT_APPSECRET: 'a-secret' });
    assert.equal(withBoth.code, 0);
    assert.equal(withBoth.stderr, '');
  });
});
