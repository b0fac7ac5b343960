import type { Placeholder } from './templates.js';

/** WeChat refuses `thing` values longer than this (characters, since 2023). */
export const THING_MAX_CHARS = 20;

/** What is wrong with a template message's data, one line per problem, each naming the key. */
export function checkTemplateData(placeholders: readonly Placeholder[], data: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const known = new Set(placeholders.map((placeholder) => placeholder.key));
  const missing = placeholders.filter((placeholder) => !Object.hasOwn(data, placeholder.key)).map((placeholder) => placeholder.key);
  const unknown = Object.keys(data).filter((key) => !known.has(key));
  if (missing.length > 0)
    problems.push(
      `data.${missing.join(', data.')}: missing (the template has ${missing.length === 1 ? 'this placeholder' : 'these placeholders'})`,
    );
  if (unknown.length > 0)
    problems.push(`data.${unknown.join(', data.')}: unknown (the template has ${[...known].join(', ') || 'no placeholders'})`);
  for (const placeholder of placeholders) {
    const value = data[placeholder.key];
    if (placeholder.kind === 'thing' && value !== undefined && [...value].length > THING_MAX_CHARS) {
      problems.push(`data.${placeholder.key}: a thing value is at most ${THING_MAX_CHARS} characters, this one has ${[...value].length}`);
    }
  }
  return problems;
}
