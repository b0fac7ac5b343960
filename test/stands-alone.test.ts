import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const skipped = new Set(['.git', 'node_modules', 'dist', 'coverage', 'test-artifacts', 'package-lock.json']);
// A path out of the repository into a sibling `shared` folder, written so that this
// file does not match itself.
const sibling = new RegExp(['\\.\\.', 'shared'].join('/'));

function* filesUnder(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (skipped.has(entry.name) || entry.name === '.env') continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path);
    else if (entry.isFile()) yield path;
  }
}

describe('the repository stands alone', () => {
  it('no file in it names a folder beside the clone', () => {
    const offenders = [...filesUnder(root)]
      .filter((path) => sibling.test(readFileSync(path, 'latin1')))
      .map((path) => relative(root, path));
    assert.deepEqual(offenders, []);
  });

  it('the fixtures the tests read are in test/fixtures, with their provenance', () => {
    const files = readdirSync(new URL('./fixtures/wechat/messages/', import.meta.url));
    assert.ok(files.includes('PROVENANCE.json'));
    assert.ok(files.filter((name) => name.endsWith('.xml')).length >= 20);
  });
});
