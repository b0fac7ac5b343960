import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { parseReplies } from '../src/replies-file/load.js';

/**
 * The README is the front door: short, every link leads somewhere, every guide page is
 * one click away, and its two examples are ones that work (the replies file validates;
 * the handler is examples/session-counter.ts, which `npm run typecheck` compiles).
 */

const root = new URL('../', import.meta.url);
const read = (file: string): string => readFileSync(new URL(file, root), 'utf8');
const readme = read('README.md');

/** The README's fenced blocks of `language`. */
function blocks(language: string): string[] {
  return [...readme.matchAll(new RegExp(`^\`\`\`${language}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((match) => match[1] ?? '');
}

/** The targets of the README's relative links, without their #fragment. */
function relativeLinks(): string[] {
  return [...readme.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((match) => match[1] ?? '')
    .filter((target) => !/^(?:https?:|mailto:|#)/.test(target))
    .map((target) => target.split('#')[0] ?? '');
}

describe('the README', () => {
  it('is at most 250 lines', () => {
    const lines = readme.split('\n').length;
    assert.ok(lines <= 250, `${lines} lines`);
  });

  it('links only to files that exist', () => {
    const links = relativeLinks();
    assert.ok(links.length > 20, 'the README links into the docs');
    for (const target of links) assert.ok(existsSync(new URL(target, root)), `${target} does not exist`);
  });

  it('links to every page of the guide, in English and in Chinese through the guide itself', () => {
    const linked = new Set(relativeLinks());
    for (const page of readdirSync(new URL('docs/guide/', root))) {
      if (page.endsWith('.md')) assert.ok(linked.has(`docs/guide/${page}`), `README does not link docs/guide/${page}`);
    }
    assert.ok(linked.has('docs/zh/guide/getting-started.md') && linked.has('docs/zh/index.md'));
  });

  it('shows a replies file that validates', () => {
    const [yaml] = blocks('yaml');
    assert.ok(yaml !== undefined);
    const result = parseReplies(yaml, 'replies.yaml');
    assert.deepEqual(result.ok ? [] : result.problems, []);
  });

  it('shows the handler of examples/session-counter.ts, which the typecheck compiles', () => {
    const [code] = blocks('ts');
    assert.ok(code !== undefined);
    const example = read('examples/session-counter.ts')
      .replace(/^\/\/.*\n/gm, '')
      .replace("from '../src/index.js'", "from 'wechat-oa-server'");
    assert.equal(code, example);
  });
});
