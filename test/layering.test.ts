import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ESLint } from 'eslint';

// The layering of docs/architecture.md is enforced by `npm run lint`; these cases
// check that the rule bites, so that it cannot be switched off by accident.
const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport type Used = unknown;\n`, { filePath });
  return (result?.messages ?? []).filter((message) => message.ruleId === 'no-restricted-imports').map((message) => message.message);
}

describe('the import rule of the layers (npm run lint)', () => {
  const refused: [string, string, string][] = [
    ['redis/ importing from http/', 'src/redis/example.ts', "import type { X } from '../http/health.js';"],
    ['http/ importing the composition root', 'src/http/example.ts', "import type { Services } from '../services.js';"],
    ['http/ importing an adapter', 'src/http/example.ts', "import type { X } from '../redis/connection.js';"],
    ['/api routes importing the replies file', 'src/http/api/example.ts', "import type { X } from '../../replies-file/schema.js';"],
    ['protocol/ importing express', 'src/protocol/example.ts', "import type { Router } from 'express';"],
    ['protocol/ importing replies/', 'src/protocol/example.ts', "import type { X } from '../replies/router.js';"],
    ['api/ importing replies/', 'src/api/example.ts', "import type { X } from '../replies/router.js';"],
    ['a core module importing a folder', 'src/example.ts', "import type { X } from './http/health.js';"],
    ['a layer making metrics of its own', 'src/api/example.ts', "import { Counter } from 'prom-client';"],
  ];
  for (const [name, file, code] of refused) {
    it(`refuses ${name}`, async () => assert.equal((await problems(file, code)).length, 1));
  }

  const allowed: [string, string, string][] = [
    [
      'replies/ importing protocol/ and api/',
      'src/replies/example.ts',
      "import type { X } from '../protocol/message-types.js';\nimport type { Y } from '../api/client.js';",
    ],
    [
      '/api routes importing http/ and api/',
      'src/http/api/example.ts',
      "import type { X } from '../admin-auth.js';\nimport type { Y } from '../../api/client.js';",
    ],
    [
      'any layer recording metrics through the core module',
      'src/http/example.ts',
      "import type { MetricsRecorder } from '../metrics.js';\nimport type { Registry } from 'prom-client';",
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
