import type { z } from 'zod';

/** One thing wrong with the file, at a place in it (`keywords[2].reply.type`). */
export interface Problem {
  readonly path: readonly (string | number)[];
  readonly message: string;
  /** True when the problem is the key at `path` itself (an unknown key). */
  readonly atKey?: boolean;
}

/** `keywords[2].reply.type`; keys that are not plain names are quoted. */
export function placeOf(path: readonly (string | number)[]): string {
  let place = '';
  for (const part of path) {
    if (typeof part === 'number') place += `[${part}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(part)) place += place === '' ? part : `.${part}`;
    else place += `[${JSON.stringify(part)}]`;
  }
  return place;
}

type Issue = z.core.$ZodIssue;

/** Is every issue a wrong type at the value itself, i.e. the branch did not apply? */
const missedEntirely = (issues: readonly Issue[]): boolean =>
  issues.every((issue) => issue.code === 'invalid_type' && issue.path.length === 0);

/**
 * zod's issues as problems an owner can act on: a union (a reply is text, null or an
 * object) reports the branch that the value was meant for, unknown keys one by one.
 */
export function problemsFrom(issues: readonly Issue[], prefix: readonly (string | number)[] = []): Problem[] {
  const problems: Problem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      const meant = issue.errors.filter((branch) => !missedEntirely(branch));
      if (meant.length === 1) {
        problems.push(...problemsFrom(meant[0]!, path));
        continue;
      }
    }
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) problems.push({ path: [...path, key], message: 'unknown key', atKey: true });
      continue;
    }
    problems.push({ path, message: issue.message });
  }
  return problems;
}
