import type { Request } from 'express';
import type * as Zod from 'zod';
import { lazyRequire } from '../../lazy-require.js';
import { InputError } from '../../errors.js';

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

/** The request's JSON body checked against `schema`, or an InputError naming the first bad field. */
export function readJson<T>(req: Request, schema: Zod.ZodType<T>): T {
  if (!req.is('application/json')) {
    throw new InputError('body', 'body: send JSON, with Content-Type: application/json');
  }
  const result = schema.safeParse(req.body);
  if (result.success) return result.data;
  const issues = result.error.issues.map(describeIssue);
  throw new InputError(issues[0]?.field ?? 'body', issues.map((issue) => issue.message).join('; '));
}
