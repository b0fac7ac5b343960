import type { Placeholder } from './templates.js';

/** WeChat refuses `thing` values longer than this (characters, since 2023). */
export const THING_MAX_CHARS = 20;

/** What is wrong with one value of a kind, or undefined when WeChat takes it. */
export type ValueRule = (value: string) => string | undefined;

const charsOf = (value: string): number => [...value].length;

const atMost =
  (max: number, what: string): ValueRule =>
  (value) =>
    charsOf(value) > max ? `a ${what} value is at most ${max} characters, this one has ${charsOf(value)}` : undefined;

const matching =
  (pattern: RegExp, what: string): ValueRule =>
  (value) =>
    pattern.test(value) ? undefined : what;

// Bounded quantifiers and no nesting: each test runs in time linear in the value (at most 1000 characters).
const DAY = String.raw`\d{4}(?:年\d{1,2}月\d{1,2}日|-\d{1,2}-\d{1,2}|/\d{1,2}/\d{1,2})`;
const CLOCK = String.raw`\d{1,2}:\d{2}(?::\d{2})?`;
const DATE_POINT = `${DAY}(?: ${CLOCK})?`;
const TIME_POINT = `(?:${DAY} )?${CLOCK}`;
const range = (point: string): RegExp => new RegExp(`^${point}(?: ?~ ?${point})?$`, 'u');
const HAN = /\p{Script=Han}/u;

/** The template messages' rule (part two): `thing` at most 20 characters, other kinds unchecked. */
export const TEMPLATE_MESSAGE_RULES: Readonly<Record<string, ValueRule>> = { thing: atMost(THING_MAX_CHARS, 'thing') };

/**
 * The subscription notices' rules, per keyword kind, as WeChat documents them; `enum` and
 * kinds WeChat adds later are not checked (WeChat decides).
 */
export const NOTICE_RULES: Readonly<Record<string, ValueRule>> = {
  thing: atMost(20, 'thing'),
  number: atMost(32, 'number'),
  letter: atMost(32, 'letter'),
  character_string: atMost(32, 'character_string'),
  symbol: atMost(5, 'symbol'),
  phrase: atMost(5, 'phrase'),
  phone_number: atMost(17, 'phone_number'),
  car_number: atMost(8, 'car_number'),
  name: (value) =>
    HAN.test(value)
      ? atMost(10, 'name (in Chinese)')(value)
      : charsOf(value) > 20
        ? `a name value is at most 10 Chinese or 20 other characters, this one has ${charsOf(value)}`
        : undefined,
  time: matching(
    range(TIME_POINT),
    'a time value is a 24-hour time like 15:01, with a day before it if needed (2026年5月1日 15:01), or two joined by ~',
  ),
  date: matching(
    range(DATE_POINT),
    'a date value is a day like 2026年5月1日 or 2026-05-01, with a 24-hour time after it if needed, or two joined by ~',
  ),
  amount: matching(
    /^[¥￥$€£]?\d{1,10}(?:\.\d{1,2})?元?$/u,
    'an amount value is at most 10 digits with up to 2 decimals, a currency sign before or 元 after (¥100.01)',
  ),
};

/**
 * What is wrong with a template's data, one line per problem, each naming the key:
 * missing and unknown keys, and values the kind's rule refuses (`rules`: the template
 * messages' by default, `NOTICE_RULES` for subscription notices).
 */
export function checkTemplateData(
  placeholders: readonly Placeholder[],
  data: Readonly<Record<string, string>>,
  rules: Readonly<Record<string, ValueRule>> = TEMPLATE_MESSAGE_RULES,
): string[] {
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
    const rule = Object.hasOwn(rules, placeholder.kind) ? rules[placeholder.kind] : undefined;
    const problem = value === undefined ? undefined : rule?.(value);
    if (problem !== undefined) problems.push(`data.${placeholder.key}: ${problem}`);
  }
  return problems;
}
