import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defaultText, VARIABLES, type Section, type Variable } from '../src/core/config-variables.js';

/**
 * The configuration reference (docs/reference/configuration.md) is generated from the
 * table of variables, the one the server reads (src/core/config-variables.ts): the
 * page's prose above MARKER is written by hand, the tables below it come from here.
 * `npm run docs:config` rewrites the page; test/config-docs.test.ts fails when the
 * committed page is not what this renders.
 */

export const CONFIGURATION_PAGE = fileURLToPath(new URL('../docs/reference/configuration.md', import.meta.url));
export const MARKER =
  '<!-- The tables below are generated from src/core/config-variables.ts by `npm run docs:config`: edit them there. -->';

const SECTION_TITLES: Readonly<Record<Section, string>> = {
  webhook: 'The webhook',
  'account credentials': "The account's credentials",
  'outbound API': "Calls to WeChat's API",
  listening: 'Listening',
  admin: 'Admin routes',
  'web pages': 'Web pages: OAuth and JS-SDK',
  'shared state': 'Shared state: Redis',
  replies: 'Replies',
  menu: 'The menu',
  'several accounts': 'Several accounts',
  'open platform': 'The open platform (第三方平台)',
  publishing: 'Publishing',
  logging: 'Logging and metrics',
};

/** A table cell: a `|` would end it, a line break would end the row. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** The default column: `value`, "required", words for a default worked out elsewhere, or —. */
export function defaultCell(variable: Variable<unknown>): string {
  if (variable.required !== undefined) return 'required';
  if (variable.derivedDefault !== undefined) return variable.derivedDefault;
  const value = defaultText(variable);
  return value === undefined ? '—' : `\`${value}\``;
}

/** The generated part: one table per section, in the order of the table of variables. */
export function renderVariables(): string {
  const bySection = new Map<Section, string[]>();
  for (const [name, variable] of Object.entries(VARIABLES) as [string, Variable<unknown>][]) {
    const rows = bySection.get(variable.section) ?? [];
    rows.push(`| \`${name}\` | ${cell(defaultCell(variable))} | ${cell(variable.description)} |`);
    bySection.set(variable.section, rows);
  }
  const tables = [...bySection].map(
    ([section, rows]) => `## ${SECTION_TITLES[section]}\n\n| Variable | Default | What it is |\n| --- | --- | --- |\n${rows.join('\n')}\n`,
  );
  return `${MARKER}\n\n${tables.join('\n')}`;
}

/** The page as it should be: its hand-written head, then the tables. */
export function renderPage(current: string): string {
  const at = current.indexOf(MARKER);
  const head = at === -1 ? `${current.trimEnd()}\n\n` : current.slice(0, at);
  return `${head}${renderVariables()}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const current = readFileSync(CONFIGURATION_PAGE, 'utf8');
  writeFileSync(CONFIGURATION_PAGE, renderPage(current));
  console.log(`wrote ${CONFIGURATION_PAGE}`);
}
