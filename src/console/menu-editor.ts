import { MAX_JSON_DEPTH, nestedDeeperThan } from '../core/json-depth.js';
import type { MenuDifference } from '../menu/diff.js';
import type { MenuProblem } from '../menu/check.js';
import type { ApiClient } from '../wechat-api/client.js';
import { readVersion, saveVersion } from './versioned-file.js';

// The menu checker and its schema load zod (about 12 MB resident): imported on the
// console's first menu request, not at start.
const checker = () => import('../menu/check.js');

/** The menu file as the editor gets it: its text, its hash for a save, and the menu when it parses. */
export interface MenuSource {
  readonly source: string;
  readonly hash: string;
  readonly menu: unknown;
  readonly problems: readonly MenuProblem[];
}

export type MenuSaveResult =
  | { readonly saved: true; readonly hash: string }
  | { readonly saved: false; readonly problems: readonly MenuProblem[] }
  | { readonly saved: false; readonly stale: true; readonly hash: string };

const TOO_DEEP: MenuProblem = { path: '(file)', message: `nested deeper than ${MAX_JSON_DEPTH} levels` };

/** Every problem of a menu (already parsed JSON), as `npm run menu -- check` reports them. */
export async function checkMenuValue(menu: unknown): Promise<readonly MenuProblem[]> {
  if (nestedDeeperThan(menu)) return [TOO_DEEP];
  const checked = (await checker()).checkMenu(menu);
  return checked.ok ? [] : checked.problems;
}

/** The file, parsed and checked; a file not there yet is an empty menu to start from. */
export async function readMenuFile(file: string): Promise<MenuSource> {
  const { source, hash } = await readVersion(file);
  if (source === '') return { source, hash, menu: { button: [] }, problems: [] };
  let menu: unknown;
  try {
    menu = JSON.parse(source);
  } catch (error) {
    return { source, hash, menu: null, problems: [{ path: '(file)', message: `is not JSON: ${(error as Error).message}` }] };
  }
  return { source, hash, menu, problems: await checkMenuValue(menu) };
}

/** Writes a checked menu as the file (2-space JSON) when the file is still the version `baseHash` names (versioned-file.ts). */
export async function saveMenuFile(file: string, menu: unknown, baseHash: string): Promise<MenuSaveResult> {
  const problems = await checkMenuValue(menu);
  if (problems.length > 0) return { saved: false, problems };
  const { hash, stale } = await saveVersion(file, `${JSON.stringify(menu, null, 2)}\n`, baseHash);
  return stale ? { saved: false, stale: true, hash } : { saved: true, hash };
}

/** What WeChat has now, in the file's shape (null: no menu), and how `menu` differs from it. */
export async function compareWithWeChat(
  client: ApiClient,
  menu: unknown,
): Promise<{ readonly wechat: unknown; readonly differences: readonly MenuDifference[] }> {
  const [{ getMenu }, { canonicalMenu, menuFromGet }, { diffMenus }] = await Promise.all([
    import('../wechat-api/menu.js'),
    import('../menu/normalise.js'),
    import('../menu/diff.js'),
  ]);
  const answer = await getMenu(client);
  if (nestedDeeperThan(answer) || nestedDeeperThan(menu))
    return { wechat: null, differences: [{ path: '(file)', file: undefined, wechat: TOO_DEEP.message }] };
  const wechat = answer === undefined ? { button: [] } : menuFromGet(answer);
  return { wechat: answer === undefined ? null : wechat, differences: diffMenus(canonicalMenu(menu), wechat) };
}

/** Pushes the file's menu as saved (it must still be the version `hash` names, the one the operator confirmed). */
export async function pushMenuFile(
  client: ApiClient,
  file: string,
  hash: string,
): Promise<{ readonly pushed: true; readonly steps: number } | { readonly pushed: false; readonly reason: 'stale' | 'invalid' }> {
  const current = await readMenuFile(file);
  if (current.hash !== hash) return { pushed: false, reason: 'stale' };
  const checked = (await checker()).checkMenu(current.menu);
  if (current.problems.length > 0 || !checked.ok) return { pushed: false, reason: 'invalid' };
  const { getMenu, pushMenu } = await import('../wechat-api/menu.js');
  const onWeChat = await getMenu(client);
  let steps = 0;
  await pushMenu(client, checked.menu, nestedDeeperThan(onWeChat) ? undefined : onWeChat, () => (steps += 1));
  return { pushed: true, steps };
}
