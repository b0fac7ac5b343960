import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { createReplyRouter } from '../../src/replies/router.js';
import { CONTROL_CHARACTER } from '../helpers/control-characters.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx_simulate_test';
const simulator = fileURLToPath(new URL('../../src/cli/simulate.ts', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs `npm run simulate -- …`'s program in an empty directory (no .env), with `env`. */
function simulate(args: string[], env: Record<string, string>, input?: string): Promise<ProgramResult> {
  return runProgram(simulator, args, { env, input });
}

describe('npm run simulate', () => {
  let app: RunningApp;
  let env: Record<string, string>;
  before(async () => {
    app = await startApp({ WECHAT_TOKEN: 'sim-token', WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID });
    env = { WECHAT_TOKEN: 'sim-token', WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID };
  });
  after(() => app.close());
  const url = () => ['--url', `${app.url}/wechat`];

  const cases: [string[], RegExp][] = [
    [['text', '你好'], /reply: text\n {2}Content: 你好\n/],
    [['--aes', 'text', '你好', '安全'], /reply: text\n {2}Content: 你好 安全\n/],
    [['voice', '语音识别'], /Content: 语音识别/],
    [['voice'], /Content: 未识别/],
    [['image', 'MEDIA_1'], /reply: image\n {2}Image: \{"MediaId":"MEDIA_1"\}/],
    [['subscribe'], /Content: 感谢您的关注!\n/],
    [['--aes', 'subscribe', '88'], /Content: 感谢您的关注!场景值:88/],
    [['scan', '99'], /Content: 您扫描的场景值为:99/],
    [['unsubscribe'], /no reply/],
    [['location', '23.13', '113.26', '广州塔'], /Content: 暂不支持该类型的消息/],
  ];
  for (const [args, expected] of cases) {
    it(`${args.join(' ')} → exit 0 and the reply`, async () => {
      const result = await simulate([...url(), ...args], env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, expected);
    });
  }

  it('--raw prints the reply XML', async () => {
    const result = await simulate([...url(), '--raw', 'text', 'raw'], env);
    assert.match(result.stdout, /<xml><ToUserName><!\[CDATA\[o_simulated_user_openid\]\]><\/ToUserName>/);
  });

  it('--from names the user: the message comes from that openid, and the reply goes to it', async () => {
    const result = await simulate([...url(), '--from', 'o_another_user', '--raw', 'text', 'hi'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /<ToUserName><!\[CDATA\[o_another_user\]\]><\/ToUserName>/);
    const spelled = await simulate([...url(), '--from=o_third_user', '--raw', 'text', 'hi'], env);
    assert.match(spelled.stdout, /<ToUserName><!\[CDATA\[o_third_user\]\]><\/ToUserName>/);
  });

  it('--from with what no openid looks like → exit 2 with the usage', async () => {
    for (const from of ['', 'o user', 'o<x>', 'o'.repeat(65)]) {
      const result = await simulate([...url(), '--from', from, 'text', 'hi'], env);
      assert.equal(result.code, 2, from);
      assert.match(result.stderr, /--from ".*" is not an openid/);
    }
  });

  it('without a kind: an interactive chat, one text message a line, both sides shown', async () => {
    const result = await simulate(url(), env, '第一句\n\nsecond line\n');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /\n> 第一句\n< 第一句\n> second line\n< second line\n$/);
  });

  it('the chat shows a reply that is not text by its fields', async () => {
    const result = await simulate([...url(), '--raw'], env, 'raw\n');
    assert.match(result.stdout, /> raw\n< reply: text\n {4}Content: raw\n/);
  });

  it('the chat with no server: says to start it, without claiming WeChat would refuse an answer', async () => {
    const result = await simulate(['--url', 'http://127.0.0.1:9/wechat'], env, '你好\n');
    assert.equal(result.code, 0);
    assert.match(
      result.stdout,
      /> 你好\n! no answer from http:\/\/127\.0\.0\.1:9\/wechat \([^)]*\): is the server running\? \(npm start\)\n/,
    );
    assert.doesNotMatch(result.stdout, /would not accept/);
  });

  it(
    'in a terminal: a "> " prompt, the line typed, then "< " and the reply',
    { skip: hasScript ? false : 'script (util-linux) is not installed' },
    async () => {
      const command = [process.execPath, '--import', tsxLoader, simulator, ...url()].map((part) => `'${part}'`).join(' ');
      const child = spawn('script', ['-qec', command, '/dev/null'], {
        cwd: mkdtempSync(join(tmpdir(), 'simulate-')),
        env: { PATH: process.env.PATH ?? '', TERM: 'dumb', ...env },
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
      const exited = new Promise((resolve) => child.once('exit', resolve));
      const until = async (pattern: RegExp) => {
        const deadline = Date.now() + 15_000;
        while (!pattern.test(output)) {
          assert.ok(Date.now() < deadline, `waited for ${pattern}: ${JSON.stringify(output)}`);
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      };
      try {
        await until(/Ctrl-D to quit\.\r?\n> $/);
        child.stdin.write('你好\r');
        await until(/< 你好\r*\n> $/);
        assert.match(output, /> 你好\r*\n< 你好\r*\n> $/);
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
    },
  );

  it('a wrong WECHAT_TOKEN → exit 1: the server answers 403', async () => {
    const result = await simulate([...url(), 'text', 'x'], { ...env, WECHAT_TOKEN: 'wrong' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 403/);
  });

  it('a wrong AES key → exit 1', async () => {
    const result = await simulate([...url(), '--aes', 'text', 'x'], { ...env, WECHAT_ENCODING_AES_KEY: 'B'.repeat(43) });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /HTTP 403/);
  });

  it('no server → exit 1 saying so', async () => {
    const result = await simulate(['--url', 'http://127.0.0.1:9/wechat', 'text', 'x'], env);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^no answer from .*: is the server running\? \(npm start\)\n$/);
  });

  it('an unknown kind → exit 2 with the usage', async () => {
    const result = await simulate([...url(), 'teleport'], env);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /kinds: text <content>/);
  });

  it('reads its variables as the server does: every one that is wrong, a line each, exit 1', async () => {
    const variables = (stderr: string) => stderr.split('\n').map((line) => /^([A-Z_]+) /.exec(line)?.[1] ?? line);
    const all = await simulate(['text', 'x'], { WECHAT_PATH: 'wechat', PORT: '99999', WECHAT_ENCODING_AES_KEY: 'short' });
    assert.equal(all.code, 1);
    assert.deepEqual(variables(all.stderr), ['WECHAT_TOKEN', 'WECHAT_ENCODING_AES_KEY', 'WECHAT_PATH', 'PORT', '']);
    assert.doesNotMatch(all.stderr, /short/, 'the key is a secret');
    // With --url, PORT and WECHAT_PATH are not read.
    const keys = await simulate([...url(), 'text', 'x'], { PORT: '99999', WECHAT_ENCODING_AES_KEY: 'short' });
    assert.equal(keys.code, 1);
    assert.deepEqual(variables(keys.stderr), ['WECHAT_TOKEN', 'WECHAT_ENCODING_AES_KEY', '']);
  });
});

describe('npm run simulate -- --from: several users, each with a conversation of their own', () => {
  let app: RunningApp;
  const env = { WECHAT_TOKEN: 'sim-token' };
  before(async () => {
    // Counts each user's messages in their session: the count says whose conversation it is.
    const router = createReplyRouter<{ count: number }>().on('text', async (message, { session }) => {
      const count = ((await session.get())?.count ?? 0) + 1;
      await session.set({ count });
      return { type: 'text', content: `${message.FromUserName} #${count}` };
    });
    app = await startApp({ WECHAT_TOKEN: env.WECHAT_TOKEN }, { router });
  });
  after(() => app.close());

  it('two users take turns: each count goes on in its own session', async () => {
    const turns: [string, string][] = [
      ['o_user_alice', 'o_user_alice #1'],
      ['o_user_bob', 'o_user_bob #1'],
      ['o_user_alice', 'o_user_alice #2'],
    ];
    for (const [from, reply] of turns) {
      const result = await simulate(['--url', `${app.url}/wechat`, '--from', from, 'text', 'hi'], env);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`Content: ${reply}\n`));
    }
    const untouched = await simulate(['--url', `${app.url}/wechat`, 'text', 'hi'], env);
    assert.match(untouched.stdout, /Content: o_simulated_user_openid #1\n/);
  });

  it('the chat as --from: says whom it speaks as, and every line comes from that user', async () => {
    const result = await simulate(['--url', `${app.url}/wechat`, '--from', 'o_user_carol'], env, 'a\nb\n');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Chatting with \S+ as o_user_carol\./);
    assert.match(result.stdout, /> a\n< o_user_carol #1\n> b\n< o_user_carol #2\n$/);
  });
});

describe('npm run simulate: a hand-over to customer service', () => {
  let app: RunningApp;
  const env = { WECHAT_TOKEN: 'sim-token', WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID };
  before(async () => {
    const router = createReplyRouter().on('text', (message) => {
      if (message.Content === '人工') return { type: 'transfer_customer_service' };
      if (message.Content === '找小王') return { type: 'transfer_customer_service', kfAccount: 'xiaowang@coffee_shop' };
      return undefined;
    });
    app = await startApp(env, { router });
  });
  after(() => app.close());

  it('is accepted as WeChat would, and shown with its agent, in plaintext and safe mode', async () => {
    const any = await simulate(['--url', `${app.url}/wechat`, 'text', '人工'], env);
    assert.equal(any.code, 0, any.stderr);
    assert.match(any.stdout, /reply: transfer_customer_service\n$/);
    const one = await simulate(['--url', `${app.url}/wechat`, '--aes', 'text', '找小王'], env);
    assert.equal(one.code, 0, one.stderr);
    assert.match(one.stdout, /reply: transfer_customer_service\n {2}TransInfo: \{"KfAccount":"xiaowang@coffee_shop"\}\n$/);
    const chat = await simulate(['--url', `${app.url}/wechat`], env, '人工\n');
    assert.match(chat.stdout, /> 人工\n< reply: transfer_customer_service\n$/);
  });
});

describe('npm run simulate against servers WeChat would not accept', () => {
  let server: Server;
  let answer: { status: number; body: string } = { status: 200, body: '' };
  let base = '';
  before(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(answer.status, { 'Content-Type': 'application/xml' });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const env = { WECHAT_TOKEN: 'sim-token', WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID };
  const rejections: [string, { status: number; body: string }, string[], RegExp][] = [
    ['a 500', { status: 500, body: 'oops' }, [], /HTTP 500/],
    ['malformed XML', { status: 200, body: '<xml><ToUserName>' }, [], /not well-formed XML/],
    [
      'parties not swapped',
      {
        status: 200,
        body: '<xml><ToUserName>gh_simulated_account</ToUserName><FromUserName>o_simulated_user_openid</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>',
      },
      [],
      /not swapped/,
    ],
    [
      'a plaintext reply to an encrypted message',
      {
        status: 200,
        body: '<xml><ToUserName>o_simulated_user_openid</ToUserName><FromUserName>gh_simulated_account</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content></xml>',
      },
      ['--aes'],
      /not an encrypted reply/,
    ],
    [
      'a bad MsgSignature',
      {
        status: 200,
        body: '<xml><Encrypt><![CDATA[AAAA]]></Encrypt><MsgSignature><![CDATA[0000]]></MsgSignature><TimeStamp>1</TimeStamp><Nonce><![CDATA[1]]></Nonce></xml>',
      },
      ['--aes'],
      /MsgSignature does not verify/,
    ],
  ];
  it('a 500 whose body holds escape sequences: the reason is printed with them escaped', async () => {
    answer = { status: 500, body: '\x1b]0;pwned\x07\x1b[31mred\x1b[2J' };
    const result = await simulate(['--url', base, 'text', 'x'], env);
    assert.equal(result.code, 1);
    assert.doesNotMatch(result.stdout + result.stderr, CONTROL_CHARACTER);
    assert.match(result.stderr, /HTTP 500: \\u001b\]0;pwned\\u0007\\u001b\[31mred/);
  });

  it('a reply with C1 and DEL characters: printed escaped', async () => {
    answer = {
      status: 200,
      body: '<xml><ToUserName>o_simulated_user_openid</ToUserName><FromUserName>gh_simulated_account</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>红\u009b2J\u007f</Content></xml>',
    };
    const result = await simulate(['--url', base, 'text', 'x'], env);
    assert.equal(result.code, 0, result.stderr);
    assert.doesNotMatch(result.stdout + result.stderr, CONTROL_CHARACTER);
    assert.match(result.stdout, /Content: 红\\u009b2J\\u007f/);
  });

  for (const [name, response, flags, reason] of rejections) {
    it(`${name} → exit 1 with the reason`, async () => {
      answer = response;
      const result = await simulate(['--url', base, ...flags, 'text', 'x'], env);
      assert.equal(result.code, 1, result.stdout);
      assert.match(result.stderr, reason);
    });
  }
});
