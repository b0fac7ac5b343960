import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { shippedNodeOptions } from '../bench/targets.js';

const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { scripts: { start: string } };
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('the command the server runs with', () => {
  const options = shippedNodeOptions(packageJson.scripts.start);

  it('caps V8’s young generation in npm start (the benchmark reads the same options)', () => {
    assert.deepEqual(options, ['--max-semi-space-size=8']);
  });

  it('is the same in the README’s systemd unit', () => {
    const execStart = /^ExecStart=\/usr\/bin\/node (.*)$/m.exec(readme)?.[1];
    assert.equal(execStart, [...options, 'dist/server.js'].join(' '));
  });

  it('refuses a start script that does not end in node … dist/server.js', () => {
    assert.throws(() => shippedNodeOptions('npm run build && tsx src/server.ts'), /does not end in/);
  });
});
