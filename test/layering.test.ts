import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';
import { lintSnippet } from './helpers/lint-snippet.js';

// The layering of docs/architecture.md is enforced by `npm run lint`; these cases
// check that the rule bites, so that it cannot be switched off by accident
// (test/helpers/lint-snippet.ts).

async function problems(filePath: string, code: string): Promise<string[]> {
  const messages = await lintSnippet(filePath, `${code}\nexport type Used = unknown;\n`);
  return messages.filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('the import rule of the layers (npm run lint)', () => {
  const refused: [string, string, string][] = [
    ['redis/ importing from http/', 'src/redis/example.ts', "import type { X } from '../http/health.js';"],
    ['http/ importing the composition root', 'src/http/example.ts', "import type { Services } from '../services.js';"],
    ['http/ importing an adapter', 'src/http/example.ts', "import type { X } from '../redis/connection.js';"],
    ['/api routes importing the replies file', 'src/http/service-api/example.ts', "import type { X } from '../../replies-file/schema.js';"],
    ['protocol/ importing express', 'src/protocol/example.ts', "import type { Router } from 'express';"],
    ['protocol/ importing replies/', 'src/protocol/example.ts', "import type { X } from '../replies/router.js';"],
    ['wechat-api/ importing replies/', 'src/wechat-api/example.ts', "import type { X } from '../replies/router.js';"],
    ['replies/ importing the replay memory', 'src/replies/example.ts', "import type { X } from '../replay-memory/retry-store.js';"],
    ['the replay memory importing protocol/', 'src/replay-memory/example.ts', "import type { X } from '../protocol/message-types.js';"],
    ['a core module importing a folder', 'src/core/example.ts', "import type { X } from '../http/health.js';"],
    ['a core module importing express', 'src/core/example.ts', "import type { Router } from 'express';"],
    ['start-up/ importing the composition root', 'src/start-up/example.ts', "import type { X } from '../app.js';"],
    ['a layer making metrics of its own', 'src/wechat-api/example.ts', "import { Counter } from 'prom-client';"],
    ['testing/ (WeChat’s side) importing replies/', 'src/testing/example.ts', "import type { X } from '../replies/router.js';"],
    ['a layer importing an entry point of the package', 'src/cli/example.ts', "import type { X } from '../testing.js';"],
    ['articles/ importing the replies file', 'src/articles/example.ts', "import type { X } from '../replies-file/load.js';"],
    ['articles/ importing express', 'src/articles/example.ts', "import type { Router } from 'express';"],
  ];
  for (const [name, file, code] of refused) {
    it(`refuses ${name}`, async () => assert.equal((await problems(file, code)).length, 1));
  }

  const allowed: [string, string, string][] = [
    [
      'replies/ importing protocol/, wechat-api/ and core/',
      'src/replies/example.ts',
      "import type { X } from '../protocol/message-types.js';\nimport type { Y } from '../wechat-api/client.js';\nimport type { Z } from '../core/errors.js';",
    ],
    [
      '/api routes importing http/ and wechat-api/',
      'src/http/service-api/example.ts',
      "import type { X } from '../admin-auth.js';\nimport type { Y } from '../../wechat-api/client.js';",
    ],
    ['http/ and redis/ importing the replay memory', 'src/http/example.ts', "import type { X } from '../replay-memory/retry-store.js';"],
    [
      'articles/ importing wechat-api/ and core/',
      'src/articles/example.ts',
      "import type { X } from '../wechat-api/media.js';\nimport type { Y } from '../core/yaml-bounds.js';",
    ],
    ['the simulator importing WeChat’s side', 'src/cli/example.ts', "import type { X } from '../testing/wechat-side.js';"],
    [
      'any layer recording metrics through the core module',
      'src/http/example.ts',
      "import type { MetricsRecorder } from '../core/metrics.js';\nimport type { Registry } from 'prom-client';",
    ],
    [
      'the composition root importing anything',
      'src/services.ts',
      "import type { X } from './redis/connection.js';\nimport type { Y } from './http/health.js';",
    ],
  ];
  for (const [name, file, code] of allowed) {
    it(`allows ${name}`, async () => assert.deepEqual(await problems(file, code), []));
  }
});

describe('the rules that read types (npm run lint)', () => {
  // Linted as the text of a file the project holds, so that TypeScript knows its types.
  const typed = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
  const findings = async (code: string): Promise<string[]> => {
    const [result] = await typed.lintText(code, { filePath: 'src/core/promise-like.ts' });
    return (result?.messages ?? []).map((message) => message.ruleId ?? message.message);
  };

  it('refuse a promise nobody awaits, and a switch over a union that misses a member', async () => {
    assert.deepEqual(await findings('export async function f(): Promise<void> {}\nf();\n'), ['@typescript-eslint/no-floating-promises']);
    const union = "export function g(x: 'a' | 'b'): number {\n  switch (x) {\n    case 'a':\n      return 1;\n  }\n  return 0;\n}\n";
    assert.deepEqual(await findings(union), ['@typescript-eslint/switch-exhaustiveness-check']);
  });
});
