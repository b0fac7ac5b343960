/** How deep a JSON value from outside may nest: a menu needs 6 levels, `menu/get`'s answer 7. */
export const MAX_JSON_DEPTH = 32;

/**
 * Whether `value` nests arrays and objects more than `limit` deep, found without
 * recursion: the commands that walk WeChat's answer or a file recursively check it first,
 * so that an answer nested thousands deep is refused rather than overflowing the stack.
 */
export function nestedDeeperThan(value: unknown, limit = MAX_JSON_DEPTH): boolean {
  const pending: { readonly value: unknown; readonly depth: number }[] = [{ value, depth: 0 }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= limit) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}
