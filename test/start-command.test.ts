import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { SERVER_ARGS, startFlags } from '../bench/targets.js';

// What runs the server in production is the same command everywhere: npm start, the
// systemd unit, and the benchmark (which measures what users run).

const packageJson = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
const unit = readFileSync(new URL('../deploy/systemd/wechat-oa@.service', import.meta.url), 'utf8');

describe('the command that runs the server', () => {
  it("npm start runs node with V8's young generation capped at 2 × 8 MiB", () => {
    assert.deepEqual(startFlags(packageJson), ['--max-semi-space-size=8']);
  });

  it("the systemd unit runs node with npm start's flags", () => {
    const execStart = /^ExecStart=\/usr\/bin\/node((?: --\S+)*) dist\/server\.js$/m.exec(unit);
    assert.ok(execStart, 'ExecStart runs /usr/bin/node … dist/server.js');
    assert.deepEqual((execStart[1] ?? '').split(' ').filter(Boolean), startFlags(packageJson));
  });

  it("the benchmark runs our server with npm start's flags", () => {
    for (const server of ['ours', 'ours-keywords', 'ours-accounts', 'ours-console'] as const) {
      assert.deepEqual(SERVER_ARGS[server].slice(0, -1), startFlags(packageJson), server);
      assert.match(SERVER_ARGS[server].at(-1) ?? '', /dist\/server\.js$/);
    }
  });

  it('a start script that does not run dist/server.js is refused, not guessed', () => {
    assert.throws(() => startFlags(JSON.stringify({ scripts: { start: 'node other.js' } })), /dist\/server\.js/);
    assert.deepEqual(startFlags(JSON.stringify({ scripts: { start: 'node dist/server.js' } })), []);
  });
});
