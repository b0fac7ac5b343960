import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { parseXml } from '../../src/protocol/parse-xml.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';
import { runProgram, type ProgramResult } from '../helpers/run-program.js';

const simulator = fileURLToPath(new URL('../../src/cli/simulate.ts', import.meta.url));
const env = { WECHAT_TOKEN: 'sim-token' };

function simulate(args: string[]): Promise<ProgramResult> {
  return runProgram(simulator, args, { env });
}

describe('npm run simulate -- click <key> | view <url>', () => {
  let server: Server;
  let received: string[] = [];
  let base = '';
  let app: RunningApp;
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        received.push(body);
        res.end('success');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/wechat`;
    app = await startApp({ WECHAT_TOKEN: env.WECHAT_TOKEN });
  });
  after(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  });

  const events: [string[], Record<string, string>][] = [
    [['click', 'V1001_TODAY_MUSIC'], { MsgType: 'event', Event: 'CLICK', EventKey: 'V1001_TODAY_MUSIC' }],
    [['view', 'https://www.example.com/'], { MsgType: 'event', Event: 'VIEW', EventKey: 'https://www.example.com/' }],
  ];
  for (const [args, fields] of events) {
    it(`${args.join(' ')} sends the ${fields.Event} event as WeChat does`, async () => {
      received = [];
      const result = await simulate(['--url', base, ...args]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(received.length, 1);
      const message = parseXml(received[0] ?? '');
      for (const [name, value] of Object.entries(fields)) assert.equal(message[name], value);
      assert.equal(message.FromUserName, 'o_simulated_user_openid');
      assert.equal(message.MsgId, undefined);
    });
  }

  it('the server takes the events (the default rules answer none)', async () => {
    for (const [args] of events) {
      const result = await simulate(['--url', `${app.url}/wechat`, ...args]);
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /no reply/);
    }
  });

  it('click without a key → exit 2 with the usage', async () => {
    const result = await simulate(['--url', base, 'click']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /click <key> \| view <url>/);
  });
});
