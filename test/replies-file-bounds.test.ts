import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseReplies } from '../src/replies-file/load.js';

const problemsOf = (source: string): readonly string[] => {
  const loaded = parseReplies(source, 'replies.yaml');
  return loaded.ok ? [] : loaded.problems;
};

describe('a replies file too deep or too repetitive to read is a problem, not a crash', () => {
  it('3,000 nested brackets (which ran V8 out of memory in yaml’s parser) are refused before yaml reads them', () => {
    assert.deepEqual(problemsOf(`keywords: ${'['.repeat(3000)}${']'.repeat(3000)}\n`), ['replies.yaml:1: nested more than 64 levels deep']);
  });

  it('so is deep nesting by dashes or indentation, and brackets after a plain scalar with an apostrophe', () => {
    assert.deepEqual(problemsOf(`keywords:\n${'- '.repeat(3000)}x\n`), ['replies.yaml:2: nested more than 64 levels deep']);
    const indented = Array.from({ length: 100 }, (_, i) => `${' '.repeat(2 * (i + 1))}k${i}:`).join('\n');
    assert.match(problemsOf(`a:\n${indented} x\n`)[0] ?? '', /nested more than 64 levels deep/);
    assert.match(problemsOf(`x: it's\ny: ${'['.repeat(3000)}${']'.repeat(3000)}\nz: '\n`)[0] ?? '', /nested more than 64 levels deep/);
  });

  it('brackets inside quotes are text', () => {
    assert.deepEqual(problemsOf(`subscribe: "${'['.repeat(100)}"\nmessage: '${'{'.repeat(100)}'\n`), []);
  });

  it('aliases that stand for more than 10,000 nodes in all are refused; a few small ones are fine', () => {
    const keywords = Array.from({ length: 20_000 }, (_, i) => `k${i}`).join(', ');
    const reuses = Array.from({ length: 99 }, (_, i) => `  - exact: *r\n    reply: y${i}\n`).join('');
    assert.deepEqual(problemsOf(`keywords:\n  - exact: &r [${keywords}]\n    reply: x\n${reuses}`), [
      'replies.yaml: its aliases stand for more than 10000 nodes in all: write the repeated parts out, or alias fewer',
    ]);
    assert.deepEqual(problemsOf('subscribe: &welcome 欢迎关注\nmessage: *welcome\nclick:\n  HELLO: *welcome\n'), []);
  });
});
