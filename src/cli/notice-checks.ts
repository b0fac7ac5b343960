/**
 * What WeChat documents for `newtmpl/addtemplate` and `deltemplate`, checked by
 * `npm run notices` before it calls WeChat: on the command line (exit 2) and in a
 * templates file alike. Each check answers the problem, or undefined.
 * https://developers.weixin.qq.com/doc/offiaccount/Subscription_Messages/api.html
 */

/** `kidList`: at least 2 keyword ids, at most 5 (WeChat answers 200020 otherwise). */
export const MIN_KEYWORDS = 2;
export const MAX_KEYWORDS = 5;
/** `sceneDesc`: at most 15 characters (200021 otherwise). */
export const MAX_SCENE_CHARACTERS = 15;
/** A template's id (`priTmplId`, 43 characters as WeChat issues them): letters, digits, `_` and `-`. */
const TEMPLATE_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** A public template's `tid`: digits, such as `401`. */
const TID = /^[0-9]{1,20}$/;
/** A keyword id (`kid`): a whole number from 1. */
const KID = /^[1-9][0-9]{0,8}$/;

export function tidProblem(tid: string): string | undefined {
  return TID.test(tid) ? undefined : `"${tid}" is not a tid (the public template's number, such as 401)`;
}

export function templateIdProblem(id: string): string | undefined {
  return TEMPLATE_ID.test(id) ? undefined : `"${id}" is not a template id (1 to 128 letters, digits, _ and -)`;
}

export function sceneProblem(scene: string): string | undefined {
  const characters = [...scene].length;
  return characters > MAX_SCENE_CHARACTERS ? `is ${characters} characters, WeChat takes at most ${MAX_SCENE_CHARACTERS}` : undefined;
}

/** The keyword ids of `1,2,3`, or the problem with them. */
export function parseKeywords(list: string): { readonly keywords: number[] } | { readonly problem: string } {
  const parts = list.split(',').map((part) => part.trim());
  if (parts.some((part) => !KID.test(part))) {
    return { problem: `"${list}" is not a list of keyword ids (whole numbers from 1, by commas: 1,2,3)` };
  }
  const keywords = parts.map(Number);
  const problem = keywordCountProblem(keywords.length);
  return problem === undefined ? { keywords } : { problem };
}

function keywordCountProblem(count: number): string | undefined {
  return count < MIN_KEYWORDS || count > MAX_KEYWORDS
    ? `${count} keyword id${count === 1 ? '' : 's'}: WeChat takes ${MIN_KEYWORDS} to ${MAX_KEYWORDS}`
    : undefined;
}

/** The keyword ids of a templates file's entry (numbers, or strings of digits), or the problem with them. */
export function keywordsOf(value: unknown): { readonly keywords: number[] } | { readonly problem: string } {
  if (!Array.isArray(value)) return { problem: 'must be a list of keyword ids, such as [1, 2, 3]' };
  const parts = (value as unknown[]).map((item) => (typeof item === 'number' || typeof item === 'string' ? String(item) : ''));
  if (parts.some((part) => !KID.test(part))) return { problem: 'must be a list of keyword ids (whole numbers from 1), such as [1, 2, 3]' };
  const problem = keywordCountProblem(parts.length);
  return problem === undefined ? { keywords: parts.map(Number) } : { problem };
}
