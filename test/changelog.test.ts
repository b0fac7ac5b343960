import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parse } from 'yaml';

/** The changelog and the changesets that feed it (CONTRIBUTING.md, "A change that users can see"). */

const root = new URL('../', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, root), 'utf8');
const manifest = JSON.parse(read('package.json')) as { name: string; version: string };
const BUMPS = ['major', 'minor', 'patch'];

describe('the changelog', () => {
  it("has the package's version as its newest entry", () => {
    const newest = /^## (\d+\.\d+\.\d+)$/m.exec(read('CHANGELOG.md'))?.[1];
    assert.equal(newest, manifest.version);
  });

  it('is fed by changesets that each name this package, a semver bump and a sentence', () => {
    const changesets = readdirSync(new URL('.changeset/', root)).filter((name) => name.endsWith('.md'));
    for (const name of changesets) {
      const match = /^---\n([\s\S]*?)\n---\n+([\s\S]+)$/.exec(read(`.changeset/${name}`));
      assert.ok(match, `${name}: front matter, then the changelog's text`);
      const bumps = parse(match[1] ?? '') as Record<string, string>;
      assert.deepEqual(Object.keys(bumps), [manifest.name], `${name} names ${manifest.name}`);
      assert.ok(BUMPS.includes(bumps[manifest.name] ?? ''), `${name}: major, minor or patch`);
      assert.ok((match[2] ?? '').trim().length > 20, `${name} says what changed`);
    }
  });
});
