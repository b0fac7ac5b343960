import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import dotenv from 'dotenv';
import { loadConfig } from '../src/core/config.js';
import { renderPage } from '../scripts/config-reference.js';
import { defaultText, VARIABLE_NAMES, VARIABLES, type Variable } from '../src/core/config-variables.js';

/** The table of variables (src/core/config-variables.ts) is what the server reads; `.env.example` and the docs must say the same. */

const read = (file: string) => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
const spec = (name: string): Variable<unknown> | undefined => (VARIABLES as Record<string, Variable<unknown>>)[name];

/** `.env.example`'s assignments, `NAME=value`, and those commented out as `# NAME=value`. */
function exampleAssignments(text: string): [string, string][] {
  return text
    .split('\n')
    .map((line) => /^(?:# ?)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(line))
    .filter((match) => match !== null)
    .map((match) => [match[1] ?? '', match[2] ?? '']);
}

/** The rows of a page's configuration tables: the variable and its default cell. */
function tableRows(text: string): [string, string][] {
  return [...text.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/gm)].map((match) => [match[1] ?? '', (match[2] ?? '').trim()]);
}

/** Every Markdown file under docs/, but VitePress's own folders. */
function docsPages(dir = new URL('../docs/', import.meta.url)): URL[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') return [];
    const url = new URL(entry.isDirectory() ? `${entry.name}/` : entry.name, dir);
    if (entry.isDirectory()) return docsPages(url);
    return entry.name.endsWith('.md') ? [url] : [];
  });
}

function sorted(names: Iterable<string>): string[] {
  return [...names].sort();
}

describe('.env.example against the table of variables', () => {
  const assignments = exampleAssignments(read('.env.example'));

  it('lists every variable of the table, once, and no other', () => {
    const names = assignments.map(([name]) => name);
    assert.deepEqual(sorted(names), sorted(VARIABLE_NAMES));
    assert.equal(new Set(names).size, names.length, 'a variable listed twice');
  });

  it('shows each default, or the sample the table gives, or nothing', () => {
    for (const [name, value] of assignments) {
      const variable = spec(name);
      if (variable === undefined) continue;
      assert.equal(value, variable.example ?? defaultText(variable) ?? '', name);
    }
  });

  it('is a configuration the server accepts as it stands', () => {
    assert.doesNotThrow(() => loadConfig(dotenv.parse(read('.env.example'))));
  });
});

describe('the configuration reference, generated from the table of variables', () => {
  const page = read('docs/reference/configuration.md');
  const rows = tableRows(page);

  it('is what `npm run docs:config` writes from the table as it stands', () => {
    assert.equal(page, renderPage(page), 'docs/reference/configuration.md is stale: run npm run docs:config');
  });

  it('names every variable of the table, once, and no other', () => {
    const names = rows.map(([name]) => name);
    assert.deepEqual(sorted(names), sorted(VARIABLE_NAMES));
    assert.equal(new Set(names).size, names.length, 'a variable listed twice');
  });

  it('is the one place in the docs where a variable has its row', () => {
    for (const url of docsPages()) {
      if (url.pathname.endsWith('/docs/reference/configuration.md')) continue;
      const others = tableRows(readFileSync(url, 'utf8')).filter(([name]) => spec(name) !== undefined);
      assert.deepEqual(others, [], `${url.pathname} repeats a variable's row`);
    }
  });

  it('gives each the default the server uses: a value, "required", "—", or words for one worked out elsewhere', () => {
    for (const [name, cell] of rows) {
      const variable = spec(name);
      if (variable === undefined) continue;
      const value = /^`([^`]*)`$/.exec(cell)?.[1];
      if (cell === 'required') assert.ok(variable.required !== undefined, `${name} is not required`);
      else if (cell === '—') {
        assert.equal(defaultText(variable), undefined, `${name} has a default`);
        assert.equal(variable.required ?? variable.derivedDefault, undefined, `${name} is required or has a default worked out`);
      } else if (value !== undefined) assert.equal(value, defaultText(variable), name);
      else assert.equal(cell, variable.derivedDefault, `${name}: the page describes a default ("${cell}") the table does not`);
    }
  });
});
