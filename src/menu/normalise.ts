/**
 * One canonical form for a menu, whether it comes from the file or from `menu/get`, so
 * that `pull` prints a file and `diff` compares like with like. `menu/get` answers
 * `{ menu: { button, menuid? }, conditionalmenu?: [{ button, matchrule, menuid }] }`,
 * gives every leaf button an empty `sub_button`, and numbers in `matchrule`.
 * https://developers.weixin.qq.com/doc/service/api/custommenu/api_getcurrentselfmenuinfo
 */

type Json = null | boolean | number | string | Json[] | { [field: string]: Json };
type JsonObject = { [field: string]: Json };

/** A menu in the file's shape; not checked (WeChat may hold what the checker refuses). */
export interface CanonicalMenu {
  readonly button: Json[];
  readonly conditional?: { button: Json[]; matchrule: JsonObject }[];
  readonly [field: string]: unknown;
}

const BUTTON_FIELDS = ['type', 'name', 'key', 'url', 'appid', 'pagepath', 'media_id', 'article_id', 'sub_button'];
const MATCHRULE_FIELDS = ['tag_id', 'client_platform_type', 'sex', 'country', 'province', 'city', 'language'];

/** The file's shape of a `menu/get` answer (the answer with its `errcode` already checked). */
export function menuFromGet(answer: Readonly<Record<string, unknown>>): CanonicalMenu {
  const menu = isObject(answer.menu) ? answer.menu : {};
  return canonicalMenu({ button: menu.button, conditional: answer.conditionalmenu });
}

/** The canonical form of a menu file (or of anything in its shape). */
export function canonicalMenu(value: unknown): CanonicalMenu {
  const file = isObject(value) ? value : {};
  const conditional = Array.isArray(file.conditional) ? file.conditional.map(canonicalConditional) : [];
  const rest = Object.fromEntries(Object.entries(file).filter(([field]) => field !== 'button' && field !== 'conditional'));
  return {
    button: buttons(file.button),
    ...(conditional.length > 0 ? { conditional } : {}),
    ...rest,
  };
}

function canonicalConditional(value: unknown): { button: Json[]; matchrule: JsonObject } {
  const menu = isObject(value) ? value : {};
  return { button: buttons(menu.button), matchrule: canonicalMatchrule(menu.matchrule) };
}

function buttons(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(canonicalButton) : [];
}

function canonicalButton(value: unknown): Json {
  if (!isObject(value)) return toJson(value);
  const button: JsonObject = {};
  for (const field of orderedFields(value, BUTTON_FIELDS)) {
    const item = value[field];
    if (item === undefined) continue;
    if (field === 'sub_button') {
      // menu/get gives every leaf an empty sub_button; the file has none.
      if (Array.isArray(item) && item.length === 0 && value.type !== undefined) continue;
      button.sub_button = Array.isArray(item) ? item.map(canonicalButton) : toJson(item);
    } else {
      button[field] = toJson(item);
    }
  }
  return button;
}

function canonicalMatchrule(value: unknown): JsonObject {
  if (!isObject(value)) return {};
  // Older answers name the user tag group_id.
  const source = value.tag_id === undefined && value.group_id !== undefined ? { ...value, tag_id: value.group_id } : value;
  const rule: JsonObject = {};
  for (const field of orderedFields(source, MATCHRULE_FIELDS)) {
    if (field === 'group_id' && source !== value) continue;
    const item = source[field];
    if (item === undefined || item === null || item === '') continue;
    rule[field] = typeof item === 'number' ? String(item) : toJson(item);
  }
  return rule;
}

/** The known fields in WeChat's order, then any others in theirs. */
function orderedFields(value: Record<string, unknown>, known: readonly string[]): string[] {
  return [...known.filter((field) => field in value), ...Object.keys(value).filter((field) => !known.includes(field))];
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toJson(value: unknown): Json {
  return JSON.parse(JSON.stringify(value ?? null)) as Json;
}

export type { Json, JsonObject };
