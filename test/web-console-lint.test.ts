import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lintSnippet } from './helpers/lint-snippet.js';

// The console's browser bundle (web/console/) imports preact and its own modules only,
// and renders nothing as HTML: `npm run lint` enforces both; these cases check that the
// rules bite (test/helpers/lint-snippet.ts).

/** The rules a snippet breaks, but for the imports it leaves unused. */
async function findings(filePath: string, code: string): Promise<string[]> {
  return (await lintSnippet(filePath, `${code}\n`))
    .map((message) => message.ruleId ?? message.message)
    .filter((rule) => rule !== '@typescript-eslint/no-unused-vars');
}

describe('the imports of the console bundle (web/console/)', () => {
  const refused: [string, string, string][] = [
    ['a server module, from the top', 'web/console/app.tsx', "import type { X } from '../../src/core/outcome.js';"],
    ['a server module, from a page', 'web/console/pages/example.tsx', "import type { X } from '../../../src/http/health.js';"],
    ['a folder beside web/console/', 'web/console/components/example.tsx', "import type { X } from '../../other/thing.js';"],
    ['the package itself', 'web/console/example.ts', "import type { X } from 'wechat-oa-server';"],
    ['a Node module', 'web/console/example.ts', "import { readFileSync } from 'node:fs';"],
    ['another library', 'web/console/example.ts', "import { z } from 'zod';"],
  ];
  for (const [name, file, code] of refused) {
    it(`refuses ${name}`, async () => assert.deepEqual(await findings(file, code), ['no-restricted-imports']));
  }

  const allowed: [string, string, string][] = [
    [
      'preact and its hooks',
      'web/console/example.tsx',
      "import { render } from 'preact';\nimport { useState } from 'preact/hooks';\nexport const x = [render, useState];",
    ],
    ['a sibling module', 'web/console/example.tsx', "import type { X } from './api.js';"],
    ['a module one folder up, from a page', 'web/console/pages/example.tsx', "import type { X } from '../api.js';"],
  ];
  for (const [name, file, code] of allowed) {
    it(`allows ${name}`, async () => assert.deepEqual(await findings(file, code), []));
  }
});

describe('what the console bundle may not do under its CSP', () => {
  const refused: [string, string, string][] = [
    ['dangerouslySetInnerHTML', "export const x = <div dangerouslySetInnerHTML={{ __html: '<b>x</b>' }} />;", 'no-restricted-syntax'],
    ['innerHTML', "document.body.innerHTML = '<b>x</b>';", 'no-restricted-properties'],
    ['insertAdjacentHTML', "document.body.insertAdjacentHTML('beforeend', '<b>x</b>');", 'no-restricted-properties'],
    ['eval', "eval('1');", 'no-eval'],
    ['new Function', "export const f = new Function('return 1');", 'no-new-func'],
    ['an inline style attribute', "document.body.setAttribute('style', 'color: red');", 'no-restricted-syntax'],
  ];
  for (const [name, code, rule] of refused) {
    it(`refuses ${name}`, async () => assert.deepEqual(await findings('web/console/example.tsx', code), [rule]));
  }

  it('allows text in JSX', async () => {
    assert.deepEqual(await findings('web/console/example.tsx', "export const x = (text: string) => <p class='note'>{text}</p>;"), []);
  });
});
