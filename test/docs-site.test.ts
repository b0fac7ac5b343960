import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';

/** The docs site's guide: the same pages in English and Chinese, each in the sidebar. */

const root = new URL('../', import.meta.url);
const pagesIn = (dir: string): string[] =>
  readdirSync(new URL(dir, root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => name.slice(0, -3))
    .sort();

describe('the guide', () => {
  const english = pagesIn('docs/guide/');
  const chinese = pagesIn('docs/zh/guide/');
  const config = readFileSync(new URL('docs/.vitepress/config.ts', root), 'utf8');
  const sidebar = [...config.matchAll(/^ {2}\['([a-z-]+)', '[^']+', '[^']+'\],$/gm)].map((match) => match[1] ?? '').sort();

  it('has every page in English and in 简体中文', () => {
    assert.ok(english.length >= 16, english.join(' '));
    assert.deepEqual(chinese, english);
  });

  it('lists every page in the sidebar, and no page that does not exist', () => {
    assert.deepEqual(sidebar, english);
  });
});
