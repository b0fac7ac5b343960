import { formatPath } from './check.js';
import type { CanonicalMenu } from './normalise.js';

/** One difference between the file and WeChat, at its JSON path. */
export interface MenuDifference {
  readonly path: string;
  /** The value in the file; undefined when only WeChat has it. */
  readonly file: unknown;
  /** The value on WeChat; undefined when only the file has it. */
  readonly wechat: unknown;
}

/** The differences between two canonical menus, field by field and button by button. */
export function diffMenus(file: CanonicalMenu, wechat: CanonicalMenu): MenuDifference[] {
  const differences: MenuDifference[] = [];
  compare(file, wechat, [], differences);
  return differences;
}

function compare(file: unknown, wechat: unknown, path: PropertyKey[], out: MenuDifference[]): void {
  if (Array.isArray(file) && Array.isArray(wechat)) {
    for (let i = 0; i < Math.max(file.length, wechat.length); i++) compare(file[i], wechat[i], [...path, i], out);
    return;
  }
  if (isObject(file) && isObject(wechat)) {
    const fields = [...new Set([...Object.keys(file), ...Object.keys(wechat)])];
    for (const field of fields) compare(file[field], wechat[field], [...path, field], out);
    return;
  }
  if (JSON.stringify(file) !== JSON.stringify(wechat)) out.push({ path: formatPath(path), file, wechat });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** One line a difference: `button[0].name: file "新" ≠ WeChat "旧"`, or only on one side. */
export function formatDifferences(differences: readonly MenuDifference[]): string {
  return differences
    .map(({ path, file, wechat }) => {
      if (wechat === undefined) return `${path}: only in the file: ${JSON.stringify(file)}`;
      if (file === undefined) return `${path}: only on WeChat: ${JSON.stringify(wechat)}`;
      return `${path}: file ${JSON.stringify(file)}, WeChat ${JSON.stringify(wechat)}`;
    })
    .join('\n');
}
