import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import dotenv from 'dotenv';
import { loadConfig } from '../src/core/config.js';
import { defaultText, VARIABLE_NAMES, VARIABLES, type Variable } from '../src/core/config-variables.js';

/** The table of variables (src/core/config-variables.ts) is what the server reads; the docs must say the same. */

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

/** The rows of the README's configuration table: the variable and its default cell. */
function readmeRows(text: string): [string, string][] {
  const section = /^## Configuration\n([\s\S]*?)^## /m.exec(text)?.[1] ?? '';
  return [...section.matchAll(/^\| `([A-Z][A-Z0-9_]*)` \| ([^|]*) \|/gm)].map((match) => [match[1] ?? '', (match[2] ?? '').trim()]);
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

describe("the README's configuration table against the table of variables", () => {
  const rows = readmeRows(read('README.md'));

  it('names every variable of the table, once, and no other', () => {
    const names = rows.map(([name]) => name);
    assert.deepEqual(sorted(names), sorted(VARIABLE_NAMES));
    assert.equal(new Set(names).size, names.length, 'a variable listed twice');
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
      else assert.ok(variable.derivedDefault !== undefined, `${name}: the README describes a default ("${cell}") the table does not`);
    }
  });
});
