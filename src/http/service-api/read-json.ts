import type { Request } from 'express';
import type * as Zod from 'zod';
import { lazyRequire } from '../../core/lazy-require.js';
import { InputError } from '../../core/errors.js';

/** zod weighs about 12 MB of resident memory: loaded by the first /api call that needs it. */
export const loadZod = lazyRequire<typeof Zod>('zod');

/** Builds a value on first use (schemas need zod, which loads lazily). */
export function onFirstUse<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

function describeIssue(issue: Zod.core.$ZodIssue): { field: string; message: string } {
  const field = issue.path.map(String).join('.') || 'body';
  if (issue.code === 'unrecognized_keys') {
    const keys = issue.keys.map((key) => (field === 'body' ? key : `${field}.${key}`));
    return { field: keys[0] ?? field, message: `${keys.join(', ')}: unknown field` };
  }
  return { field, message: `${field}: ${issue.message}` };
}

interface Visit {
  readonly value: unknown;
  readonly key: string;
  readonly parent: Visit | undefined;
}

/**
 * The path (`data.__proto__`) of a key named `__proto__` anywhere in a parsed JSON body.
 * JSON.parse keeps it as an own key, but zod's objects and records skip it without a
 * word: it is refused instead. The walk keeps no stack of calls and builds no path until
 * it finds one, so a body nested thousands deep costs no more than its size.
 */
function protoKeyPath(body: unknown): string | undefined {
  const pending: Visit[] = [{ value: body, key: '', parent: undefined }];
  for (let visit = pending.pop(); visit !== undefined; visit = pending.pop()) {
    if (typeof visit.value !== 'object' || visit.value === null) continue;
    for (const [key, value] of Object.entries(visit.value)) {
      const child: Visit = { value, key, parent: visit };
      if (key !== '__proto__') {
        pending.push(child);
        continue;
      }
      const keys: string[] = [];
      for (let at: Visit | undefined = child; at?.parent !== undefined; at = at.parent) keys.push(at.key);
      return keys.reverse().join('.');
    }
  }
  return undefined;
}

/** The request's JSON body checked against `schema`, or an InputError naming the first bad field. */
export function readJson<T>(req: Request, schema: Zod.ZodType<T>): T {
  if (!req.is('application/json')) {
    throw new InputError('body', 'body: send JSON, with Content-Type: application/json');
  }
  const proto = protoKeyPath(req.body);
  if (proto !== undefined) throw new InputError(proto, `${proto}: a key named __proto__ is not accepted`);
  const result = schema.safeParse(req.body);
  if (result.success) return result.data;
  const issues = result.error.issues.map(describeIssue);
  throw new InputError(issues[0]?.field ?? 'body', issues.map((issue) => issue.message).join('; '));
}
