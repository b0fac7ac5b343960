import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { loadApiConfig, loadConfig } from '../src/core/config.js';
import { VARIABLE_NAMES, VARIABLES, type Variable } from '../src/core/config-variables.js';
import { ConfigError } from '../src/core/errors.js';
import { freePort } from './helpers/free-port.js';
import { runServer, untilListening } from './helpers/run-server.js';

function problemWith(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error;
  }
  assert.fail('the configuration was accepted');
}

describe('configuration', () => {
  it('has the contract’s defaults', () => {
    const config = loadConfig({ WECHAT_TOKEN: 't' });
    assert.equal(config.port, 80);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.wechatPath, '/wechat');
    assert.equal(config.apiBase, 'https://api.weixin.qq.com');
    assert.equal(config.tokenMode, 'stable');
    assert.equal(config.fallbackReply, '暂不支持该类型的消息');
    assert.equal(config.replyTimeoutMs, 4500);
    assert.equal(config.retryMemoryMb, 8);
    assert.equal(config.signatureMaxAgeS, 300);
    assert.equal(config.sessionTtlS, 1800);
    assert.equal(config.requireAes, false);
    assert.equal(config.logLevel, 'info');
    assert.equal(config.redisUrl, undefined);
    assert.ok(Object.isFrozen(config));
  });

  const bad: [string, Record<string, string>, string][] = [
    ['a missing WECHAT_TOKEN', {}, 'WECHAT_TOKEN'],
    ['an empty WECHAT_TOKEN', { WECHAT_TOKEN: '' }, 'WECHAT_TOKEN'],
    ['an AES key of 42 characters', { WECHAT_ENCODING_AES_KEY: 'a'.repeat(42) }, 'WECHAT_ENCODING_AES_KEY'],
    ['an AES key with a character outside base64', { WECHAT_ENCODING_AES_KEY: `${'a'.repeat(42)}!` }, 'WECHAT_ENCODING_AES_KEY'],
    ['a PORT that is not a number', { PORT: 'eighty' }, 'PORT'],
    ['PORT 0', { PORT: '0' }, 'PORT'],
    ['PORT 65536', { PORT: '65536' }, 'PORT'],
    ['a fractional PORT', { PORT: '80.5' }, 'PORT'],
    ['an unparsable REDIS_URL', { REDIS_URL: 'not a url' }, 'REDIS_URL'],
    ['a REDIS_URL that is not redis://', { REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    ['an unparsable WECHAT_API_BASE', { WECHAT_API_BASE: '::' }, 'WECHAT_API_BASE'],
    ['an unknown WECHAT_TOKEN_MODE', { WECHAT_TOKEN_MODE: 'fast' }, 'WECHAT_TOKEN_MODE'],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['a REPLY_TIMEOUT_MS that is not a number', { REPLY_TIMEOUT_MS: 'soon' }, 'REPLY_TIMEOUT_MS'],
    ['a RETRY_MEMORY_MB of 0', { RETRY_MEMORY_MB: '0' }, 'RETRY_MEMORY_MB'],
    ['a RETRY_MEMORY_MB of 1.5', { RETRY_MEMORY_MB: '1.5' }, 'RETRY_MEMORY_MB'],
    ['a RETRY_MEMORY_MB over 1024', { RETRY_MEMORY_MB: '1025' }, 'RETRY_MEMORY_MB'],
    ['a SIGNATURE_MAX_AGE_S that is not an integer', { SIGNATURE_MAX_AGE_S: '5m' }, 'SIGNATURE_MAX_AGE_S'],
    ['a fractional SIGNATURE_MAX_AGE_S', { SIGNATURE_MAX_AGE_S: '1.5' }, 'SIGNATURE_MAX_AGE_S'],
    ['a negative SIGNATURE_MAX_AGE_S', { SIGNATURE_MAX_AGE_S: '-1' }, 'SIGNATURE_MAX_AGE_S'],
    ['a SESSION_TTL_S that is not an integer', { SESSION_TTL_S: '30m' }, 'SESSION_TTL_S'],
    ['a fractional SESSION_TTL_S', { SESSION_TTL_S: '0.5' }, 'SESSION_TTL_S'],
    ['a SESSION_TTL_S of 0', { SESSION_TTL_S: '0' }, 'SESSION_TTL_S'],
    ['a WECHAT_REQUIRE_AES that is not a boolean', { WECHAT_REQUIRE_AES: 'yes please' }, 'WECHAT_REQUIRE_AES'],
    ['WECHAT_REQUIRE_AES without an AES key', { WECHAT_REQUIRE_AES: 'true' }, 'WECHAT_REQUIRE_AES'],
    ['a WECHAT_PATH without a leading slash', { WECHAT_PATH: 'wechat' }, 'WECHAT_PATH'],
  ];
  for (const [name, env, variable] of bad) {
    it(`rejects ${name}, naming ${variable}`, () => {
      const error = problemWith(variable === 'WECHAT_TOKEN' ? env : { WECHAT_TOKEN: 't', ...env });
      assert.equal(error.variable, variable);
      assert.match(error.message, new RegExp(`^${variable} `));
      assert.ok(!error.message.includes('\n'), 'the message is one line');
    });
  }

  it('accepts a real EncodingAESKey', () => {
    const config = loadConfig({ WECHAT_TOKEN: 't', WECHAT_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG' });
    assert.equal(config.encodingAesKey, 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
  });

  it('SIGNATURE_MAX_AGE_S 0 turns the window off; WECHAT_REQUIRE_AES=true with a key', () => {
    const config = loadConfig({
      WECHAT_TOKEN: 't',
      SIGNATURE_MAX_AGE_S: '0',
      WECHAT_REQUIRE_AES: 'true',
      WECHAT_ENCODING_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
    });
    assert.equal(config.signatureMaxAgeS, 0);
    assert.equal(config.requireAes, true);
  });

  it('never puts a secret into an error message', () => {
    const error = problemWith({ WECHAT_TOKEN: 't', WECHAT_ENCODING_AES_KEY: 'secret-key-that-is-too-short' });
    assert.ok(!error.message.includes('secret-key-that-is-too-short'));
  });

  it('never quotes the value of a variable the table marks secret, whatever is wrong with it', () => {
    const secrets = VARIABLE_NAMES.filter((name) => (VARIABLES[name] as Variable<unknown>).secret === true);
    assert.deepEqual(secrets.sort(), [
      'ADMIN_TOKEN',
      'REDIS_URL',
      'WECHAT_APPSECRET',
      'WECHAT_COMPONENT_AES_KEY',
      'WECHAT_COMPONENT_SECRET',
      'WECHAT_COMPONENT_TOKEN',
      'WECHAT_ENCODING_AES_KEY',
      'WECHAT_TOKEN',
    ]);
    const values = ['s3cr3t', 'not a url s3cr3t', 'http://user:s3cr3t@example.com/', 'redis://:s3cr3t@[bad/', `${'s3cr3t'.repeat(7)}!`];
    let refused = 0;
    for (const name of secrets) {
      for (const value of values) {
        try {
          loadConfig({ WECHAT_TOKEN: 't', [name]: value });
        } catch (error) {
          assert.ok(error instanceof ConfigError);
          refused++;
          assert.ok(!error.message.includes('s3cr3t'), `${name}=${value}: ${error.message}`);
        }
      }
    }
    assert.ok(refused >= 10, `only ${refused} of the values were refused: the test would prove little`);
  });

  it('reports every problem at once, in the order of the table, a line each naming its variable', () => {
    const error = problemWith({ LOG_LEVEL: 'loud', PORT: 'eighty', REDIS_URL: 'http://127.0.0.1:6379', WECHAT_PATH: 'wechat' });
    assert.deepEqual(
      error.problems.map((problem) => problem.variable),
      ['WECHAT_TOKEN', 'WECHAT_PATH', 'PORT', 'REDIS_URL', 'LOG_LEVEL'],
    );
    assert.equal(error.variable, 'WECHAT_TOKEN');
    const lines = error.message.split('\n');
    assert.equal(lines.length, 5);
    lines.forEach((line, index) => assert.ok(line.startsWith(`${error.problems[index]?.variable ?? '?'} `), line));
  });

  it('WECHAT_REQUIRE_AES with a malformed key: the key is the problem, not a missing one', () => {
    const error = problemWith({ WECHAT_TOKEN: 't', WECHAT_REQUIRE_AES: 'true', WECHAT_ENCODING_AES_KEY: 'short' });
    assert.deepEqual(
      error.problems.map((problem) => problem.variable),
      ['WECHAT_ENCODING_AES_KEY'],
    );
  });

  it('MENU_FILE or REPLIES_FILE beside ACCOUNTS_FILE: a problem each, one line naming both variables and the entry field to use', () => {
    // Files that exist (REPLIES_FILE is checked for that too): the pair is the only problem.
    const files = {
      MENU_FILE: fileURLToPath(new URL('../menu.example.json', import.meta.url)),
      REPLIES_FILE: fileURLToPath(new URL('../replies.example.yaml', import.meta.url)),
    };
    for (const [name, field] of [
      ['MENU_FILE', 'menu_file'],
      ['REPLIES_FILE', 'replies_file'],
    ] as const) {
      const error = problemWith({ ACCOUNTS_FILE: 'accounts.yaml', [name]: files[name] });
      assert.deepEqual(
        error.problems.map((problem) => problem.variable),
        [name],
      );
      assert.match(error.message, new RegExp(`^${name} and ACCOUNTS_FILE are both set: .*\\(${field}\\); unset ${name}$`));
    }
    const both = problemWith({ ACCOUNTS_FILE: 'accounts.yaml', ...files });
    assert.deepEqual(both.problems.map((problem) => problem.variable).sort(), ['MENU_FILE', 'REPLIES_FILE']);
    assert.equal(both.message.split('\n').length, 2);
    // ACCOUNTS_FILE alone is accepted, and so are the two without it: the refusal is of the pair.
    assert.equal(loadConfig({ ACCOUNTS_FILE: 'accounts.yaml' }).accountsFile, 'accounts.yaml');
    assert.equal(loadConfig({ WECHAT_TOKEN: 't', ...files }).repliesFile, files.REPLIES_FILE);
  });

  const COMPONENT = {
    WECHAT_COMPONENT_APPID: 'wx_component_0001',
    WECHAT_COMPONENT_SECRET: 'component-secret-5e1d',
    WECHAT_COMPONENT_TOKEN: 'componenttoken',
    WECHAT_COMPONENT_AES_KEY: 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG',
  };

  it('the open platform: all four WECHAT_COMPONENT_* make it, and then WECHAT_TOKEN is optional', () => {
    const config = loadConfig(COMPONENT);
    assert.deepEqual(config.component, {
      appId: COMPONENT.WECHAT_COMPONENT_APPID,
      secret: COMPONENT.WECHAT_COMPONENT_SECRET,
      token: COMPONENT.WECHAT_COMPONENT_TOKEN,
      aesKey: COMPONENT.WECHAT_COMPONENT_AES_KEY,
    });
    assert.equal(config.token, undefined);
    assert.equal(config.openStateFile, '.open-state.json');
    assert.equal(loadConfig({ ...COMPONENT, OPEN_STATE_FILE: '/var/lib/wechat/open.json' }).openStateFile, '/var/lib/wechat/open.json');
    // The part-one account beside it, as one more account.
    assert.equal(loadConfig({ ...COMPONENT, WECHAT_TOKEN: 't' }).token, 't');
    // Without the platform, nothing changes: WECHAT_TOKEN is required.
    assert.equal(loadConfig({ WECHAT_TOKEN: 't' }).component, undefined);
    assert.deepEqual(
      problemWith({}).problems.map((problem) => problem.variable),
      ['WECHAT_TOKEN'],
    );
  });

  it('some but not all WECHAT_COMPONENT_*: one problem naming the missing ones, never quoting a secret', () => {
    const { WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET } = COMPONENT;
    const error = problemWith({ WECHAT_TOKEN: 't', WECHAT_COMPONENT_APPID, WECHAT_COMPONENT_SECRET });
    assert.equal(error.problems.length, 1);
    assert.equal(error.variable, 'WECHAT_COMPONENT_TOKEN');
    assert.match(error.message, /WECHAT_COMPONENT_TOKEN, WECHAT_COMPONENT_AES_KEY are missing/);
    assert.doesNotMatch(error.message, new RegExp(WECHAT_COMPONENT_SECRET));
    // With only some set, WECHAT_TOKEN is still required.
    const alone = problemWith({ WECHAT_COMPONENT_APPID });
    assert.deepEqual(alone.problems.map((problem) => problem.variable).sort(), ['WECHAT_COMPONENT_SECRET', 'WECHAT_TOKEN']);
    // An empty one is missing too.
    assert.match(problemWith({ ...COMPONENT, WECHAT_COMPONENT_TOKEN: '' }).message, /WECHAT_COMPONENT_TOKEN is missing/);
  });

  it('WECHAT_COMPONENT_AES_KEY is checked like WECHAT_ENCODING_AES_KEY, and not quoted', () => {
    const key = 'not-a-key-but-still-secret';
    const error = problemWith({ ...COMPONENT, WECHAT_COMPONENT_AES_KEY: key });
    assert.deepEqual(
      error.problems.map((problem) => problem.variable),
      ['WECHAT_COMPONENT_AES_KEY'],
    );
    assert.match(error.message, /^WECHAT_COMPONENT_AES_KEY must be the 43 base64 characters/);
    assert.doesNotMatch(error.message, new RegExp(key));
  });

  it('the commands’ API configuration reads only its own variables, and reports all of their problems', () => {
    assert.equal(loadApiConfig({ PORT: 'eighty' }).apiBase, 'https://api.weixin.qq.com');
    assert.throws(
      () => loadApiConfig({ WECHAT_TOKEN_MODE: 'fast', REDIS_URL: 'nope' }),
      (error) => error instanceof ConfigError && error.problems.map((p) => p.variable).join() === 'WECHAT_TOKEN_MODE,REDIS_URL',
    );
  });
});

describe('start-up', () => {
  it('exits 1 with one readable line naming a missing WECHAT_TOKEN', async () => {
    const server = runServer({});
    assert.equal(await server.exited, 1);
    const lines = server.stderr.trim().split('\n');
    assert.equal(lines.length, 1, server.stderr);
    assert.match(lines[0] ?? '', /WECHAT_TOKEN/);
  });

  it('exits 1 with a line for each problem, each "Configuration error: VARIABLE …"', async () => {
    const server = runServer({ PORT: '99999', LOG_LEVEL: 'loud' });
    assert.equal(await server.exited, 1);
    assert.deepEqual(
      server.stderr.split('\n').map((line) => /^Configuration error: ([A-Z_]+) /.exec(line)?.[1] ?? line),
      ['WECHAT_TOKEN', 'PORT', 'LOG_LEVEL', ''],
    );
  });

  it('exits 1 naming PORT when it is not a port', async () => {
    const server = runServer({ WECHAT_TOKEN: 't', PORT: '99999' });
    assert.equal(await server.exited, 1);
    assert.match(server.stderr, /PORT/);
    assert.equal(server.stderr.trim().split('\n').length, 1);
  });

  it('exits 1 with a readable line suggesting PORT when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as AddressInfo;
    try {
      const server = runServer({ WECHAT_TOKEN: 't', PORT: String(port), HOST: '127.0.0.1' });
      assert.equal(await server.exited, 1);
      assert.match(server.stderr, /already in use/);
      assert.match(server.stderr, /PORT=/);
      assert.doesNotMatch(server.stderr, /\n\s+at /, 'no stack trace');
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('reads .env, and a variable set in the environment wins over it', async () => {
    const port = await freePort();
    const server = runServer({ PORT: String(port), HOST: '127.0.0.1' }, `WECHAT_TOKEN=from-dotenv\nPORT=1\nFALLBACK_REPLY=from .env\n`);
    try {
      await untilListening(server);
      assert.match(server.stdout, new RegExp(`"port":${port}`));
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0);
    }
  });

  it('on SIGTERM, finishes the request in flight, then exits 0', async () => {
    const port = await freePort();
    const server = runServer({ WECHAT_TOKEN: 'test-token', PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' });
    await untilListening(server);
    const { signedQuery, textXml, readReply } = await import('./helpers/wechat.js');
    const body = Buffer.from(textXml('in flight'));
    // Send half the body, signal, then the rest: the request is in flight during shutdown.
    let push: (chunk: Uint8Array | null) => void = () => undefined;
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        push = (chunk) => (chunk === null ? controller.close() : controller.enqueue(chunk));
      },
    });
    const pending = fetch(`http://127.0.0.1:${port}/wechat?${signedQuery()}`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    push(body.subarray(0, 40));
    await new Promise((resolve) => setTimeout(resolve, 200));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 200));
    push(body.subarray(40));
    push(null);
    const response = await pending;
    assert.equal(response.status, 200);
    assert.equal(readReply(await response.text()).Content, 'in flight');
    assert.equal(await server.exited, 0);
  });
});
