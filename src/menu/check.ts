import type { z } from 'zod';
import { menuFileSchema, type MenuFile } from './schema.js';

/** One thing wrong with a menu file, at its JSON path (`button[1].sub_button[5].name`). */
export interface MenuProblem {
  readonly path: string;
  readonly message: string;
}

export type MenuCheck = { readonly ok: true; readonly menu: MenuFile } | { readonly ok: false; readonly problems: MenuProblem[] };

/** Checks a parsed menu file against every rule of the schema, reporting all problems at once. */
export function checkMenu(value: unknown): MenuCheck {
  const result = menuFileSchema.safeParse(value, { error: genericMessage });
  if (result.success) return { ok: true, menu: result.data };
  const problems = result.error.issues.flatMap(toProblems);
  if (typeof value === 'object' && value !== null && 'menu' in value) {
    problems.unshift({ path: 'menu', message: 'this looks like an answer of menu/get: `npm run menu -- pull` prints it as a menu file' });
  }
  return { ok: false, problems };
}

/** `['button', 1, 'sub_button', 5, 'name']` → `button[1].sub_button[5].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    if (typeof part === 'number') text += `[${part}]`;
    else text += text === '' ? String(part) : `.${String(part)}`;
  }
  return text === '' ? '(file)' : text;
}

/** The messages of zod's own checks, in the file's terms. */
function genericMessage(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_type') return undefined;
  if (issue.input === undefined) return 'is missing';
  return `must be ${issue.expected === 'array' || issue.expected === 'object' ? 'an' : 'a'} ${issue.expected}`;
}

function toProblems(issue: z.core.$ZodIssue): MenuProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ path: formatPath([...issue.path, key]), message: 'is not a field WeChat knows here' }));
  }
  return [{ path: formatPath(issue.path), message: issue.message }];
}

/** One line a problem, as `check` prints them. */
export function formatProblems(problems: readonly MenuProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('\n');
}
