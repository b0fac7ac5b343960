import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';
import type { Problem } from '../replies-file/problems.js';
import { readYamlFile } from '../replies-file/load.js';
import { keywordsOf, sceneProblem, templateIdProblem, tidProblem } from './notice-checks.js';

/**
 * The templates file of `npm run notices -- templates sync`: the subscription notice
 * templates the account should have, YAML (or JSON for `.json`):
 *
 *     templates:
 *       - tid: 1001              # the public template
 *         keywords: [1, 2, 3]    # its keyword ids, in order
 *         scene: 预约成功后提醒   # optional, at most 15 characters
 *         id: NOTICE_…           # the template's id once added; sync writes it
 *
 * WeChat's template list gives neither the tid nor the keyword ids of a template, so an
 * entry is known on the account by its `id` alone.
 */
export interface WantedTemplate {
  readonly tid: string;
  readonly keywords: readonly number[];
  readonly scene: string;
  readonly id: string | undefined;
}

export type TemplatesFile =
  | { readonly ok: true; readonly templates: readonly WantedTemplate[]; readonly source: string }
  | { readonly ok: false; readonly problems: readonly string[] };

const KEYS = new Set(['tid', 'keywords', 'scene', 'id']);

/** Reads and checks the file: every problem at once, each one line (`file:3: templates[0].keywords: …`). */
export async function readTemplatesFile(file: string): Promise<TemplatesFile> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, problems: [`${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'unreadable'})`}`] };
  }
  const read = readYamlFile(source, file, 'a templates file');
  if (!read.ok) return { ok: false, problems: read.problems };
  const problems: Problem[] = [];
  const templates = check(read.value, problems);
  return problems.length > 0 ? { ok: false, problems: read.locate(problems) } : { ok: true, templates, source };
}

function check(value: unknown, problems: Problem[]): WantedTemplate[] {
  if (!isRecord(value) || !Array.isArray(value.templates)) {
    problems.push({ path: [], message: 'must hold a list `templates:` of the templates the account should have' });
    return [];
  }
  for (const key of Object.keys(value)) if (key !== 'templates') problems.push({ path: [key], message: 'unknown key', atKey: true });
  const ids = new Set<string>();
  return (value.templates as unknown[]).flatMap((entry, index): WantedTemplate[] => {
    const at = (key: string, message: string): void => void problems.push({ path: ['templates', index, key], message });
    if (!isRecord(entry)) {
      problems.push({ path: ['templates', index], message: 'must be a mapping of tid, keywords, scene and id' });
      return [];
    }
    const before = problems.length;
    for (const key of Object.keys(entry)) {
      if (!KEYS.has(key)) problems.push({ path: ['templates', index, key], message: 'unknown key', atKey: true });
    }
    const { tid, keywords, scene = '', id } = entry;
    const tidText = typeof tid === 'number' && Number.isSafeInteger(tid) ? String(tid) : typeof tid === 'string' ? tid : undefined;
    const tidWrong =
      tid === undefined
        ? "is missing: the public template's number, such as 401"
        : tidText === undefined
          ? 'must be a number, such as 401'
          : tidProblem(tidText);
    if (tidWrong !== undefined) at('tid', tidWrong);
    const kids = keywords === undefined ? { problem: 'is missing: the keyword ids, such as [1, 2, 3]' } : keywordsOf(keywords);
    if ('problem' in kids) at('keywords', kids.problem);
    const sceneWrong = typeof scene === 'string' ? sceneProblem(scene) : 'must be text';
    if (sceneWrong !== undefined) at('scene', sceneWrong);
    if (id !== undefined) {
      const idWrong =
        typeof id !== 'string'
          ? 'must be a template id'
          : (templateIdProblem(id) ?? (ids.has(id) ? `${id} is named by an earlier entry too` : undefined));
      if (idWrong !== undefined) at('id', idWrong);
      if (typeof id === 'string') ids.add(id);
    }
    if (problems.length > before || tidText === undefined || 'problem' in kids || typeof scene !== 'string') return [];
    return [{ tid: tidText, keywords: kids.keywords, scene, id: typeof id === 'string' ? id : undefined }];
  });
}

/** The file's text with `ids` (by entry index) written as the entries' `id`: YAML keeps its comments, JSON is written anew. */
export function withIds(source: string, file: string, ids: ReadonlyMap<number, string>): string {
  if (extname(file).toLowerCase() === '.json') {
    const value = JSON.parse(source) as { templates: Record<string, unknown>[] };
    for (const [index, id] of ids) {
      const entry = value.templates[index];
      if (entry !== undefined) entry.id = id;
    }
    return `${JSON.stringify(value, null, 2)}\n`;
  }
  const document = parseDocument(source);
  for (const [index, id] of ids) document.setIn(['templates', index, 'id'], id);
  return document.toString({ flowCollectionPadding: false, lineWidth: 0 });
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
