import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { FakeWeChat } from '../helpers/fake-wechat.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsxLoader = import.meta.resolve('tsx');
const entry = pathToFileURL(join(root, 'src/index.ts')).href;
const apiEntry = pathToFileURL(join(root, 'src/api.ts')).href;

/** Runs an ES module script with tsx in `cwd`, with exactly `env` plus PATH (asynchronously: the fake WeChat runs in this process). */
function runScript(
  cwd: string,
  source: string,
  env: Record<string, string> = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const file = join(cwd, 'script.mts');
  writeFileSync(file, source);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', tsxLoader, file], { cwd, env: { PATH: process.env.PATH ?? '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

describe('library use', () => {
  let fake: FakeWeChat;
  before(async () => {
    fake = await new FakeWeChat().start();
  });
  after(() => fake.stop());

  it('loadConfig reads only the env it is given: .env is not read behind the caller’s back', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'library-'));
    writeFileSync(join(dir, '.env'), 'WECHAT_TOKEN=from-dotenv\n');
    const result = await runScript(
      dir,
      `import { loadConfig } from '${entry}';\ntry { loadConfig(process.env); } catch (e) { console.log(String(e.message)); }\n`,
    );
    assert.match(result.stdout, /^WECHAT_TOKEN is missing/, result.stderr);
  });

  it('as the README says: import "dotenv/config", then a deploy script calls WeChat with createWeChatApi, outside any handler', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'library-'));
    const env = fake.env();
    writeFileSync(
      join(dir, '.env'),
      `WECHAT_TOKEN=deployToken1\nWECHAT_APPID=${env.WECHAT_APPID}\nWECHAT_APPSECRET=${env.WECHAT_APPSECRET}\nWECHAT_API_BASE=${env.WECHAT_API_BASE}\n`,
    );
    const before = fake.count('/cgi-bin/qrcode/create');
    const result = await runScript(
      dir,
      [
        `import '${import.meta.resolve('dotenv/config')}';`,
        `import { createQrCode, createWeChatApi } from '${apiEntry}';`,
        `import { loadConfig } from '${entry}';`,
        'const api = createWeChatApi(loadConfig(process.env));',
        "if (api === undefined) throw new Error('set WECHAT_APPID and WECHAT_APPSECRET');",
        "const code = await createQrCode(api.client, { action: 'QR_LIMIT_STR_SCENE', sceneStr: 'deploy' });",
        "const answer = await api.client.call({ method: 'POST', path: '/cgi-bin/message/custom/send', body: {} });",
        'console.log(JSON.stringify({ url: code.url, errcode: answer.errcode }));',
      ].join('\n'),
    );
    assert.equal(result.status, 0, result.stderr);
    const printed = JSON.parse(result.stdout) as { url: string; errcode: number };
    assert.match(printed.url, /^http:\/\/weixin\.qq\.com\/q\//);
    assert.equal(printed.errcode, 0);
    assert.equal(fake.count('/cgi-bin/qrcode/create'), before + 1);
    assert.deepEqual(fake.callsTo('/cgi-bin/qrcode/create').at(-1)?.body, {
      action_name: 'QR_LIMIT_STR_SCENE',
      action_info: { scene: { scene_str: 'deploy' } },
    });
  });
});

describe('the package as published (built and packed)', () => {
  // Inside the repository, so that the built files find its node_modules.
  const parent = join(root, 'test-artifacts');
  let dir = '';
  let packed: string[] = [];
  before(() => {
    mkdirSync(parent, { recursive: true });
    dir = mkdtempSync(join(parent, 'package-'));
    for (const file of ['package.json', 'README.md', '.env.example']) copyFileSync(join(root, file), join(dir, file));
    execFileSync(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-p',
      join(root, 'tsconfig.build.json'),
      '--outDir',
      join(dir, 'dist'),
      '--tsBuildInfoFile',
      join(dir, 'dist/.tsbuildinfo'),
    ]);
    const npm = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' });
    assert.equal(npm.status, 0, npm.stderr);
    packed = (JSON.parse(npm.stdout) as { files: { path: string }[] }[])[0]?.files.map((file) => file.path) ?? [];
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ships the built entry point and its types', () => {
    assert.ok(packed.includes('dist/index.js'), packed.join('\n'));
    assert.ok(packed.includes('dist/index.d.ts'));
  });

  it('every shipped source map points only at files the package ships, or carries the source inline', () => {
    const maps = packed.filter((path) => path.endsWith('.map'));
    assert.ok(maps.length > 10, 'the maps are shipped');
    for (const path of maps) {
      const map = JSON.parse(readFileSync(join(dir, path), 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[] };
      map.sources.forEach((source, i) => {
        const shipped = relative(dir, resolve(dirname(join(dir, path)), source));
        const inline = typeof map.sourcesContent?.[i] === 'string' && map.sourcesContent[i] !== '';
        assert.ok(inline || packed.includes(shipped), `${path} points at ${shipped}, which the package does not ship`);
      });
    }
  });

  it('is ESM only: a CommonJS project loads it with import()', () => {
    const cjs = join(dir, 'consumer.cjs');
    writeFileSync(
      cjs,
      // By the package's own name: its "exports" map, root and subpath.
      "Promise.all([import('wechat-oa-server'), import('wechat-oa-server/api')]).then(([m, api]) => console.log(typeof m.createApp, typeof api.createWeChatApi, typeof m.loadConfig));\n",
    );
    const result = spawnSync(process.execPath, [cjs], { cwd: dir, encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout.trim(), 'function function function');
    assert.ok(existsSync(join(dir, 'dist/index.js')));
  });
});
