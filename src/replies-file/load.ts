import { readFileSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import type * as Yaml from 'yaml';
import type { Document, LineCounter, Node } from 'yaml';
import { lazyRequire } from '../core/lazy-require.js';
import { resolveMediaFiles } from './media-files.js';
import { placeOf, problemsFrom, type Problem } from './problems.js';
import { repliesFileSchemas, type RepliesFileData } from './schema.js';
import { aliasedNodes, MAX_ALIAS_NODES, MAX_NESTING, tooDeep } from '../core/yaml-bounds.js';

/** yaml: loaded only when a replies file is read. */
const loadYaml = lazyRequire<typeof Yaml>('yaml');

/** Far above a real file (a thousand rules is about 60 KB): a bound on what is parsed. */
const MAX_SOURCE_CHARACTERS = 4 * 1024 * 1024;

export type LoadResult =
  | { readonly ok: true; readonly data: RepliesFileData }
  | { readonly ok: false; readonly missing: boolean; readonly problems: readonly string[] };

/**
 * Reads and validates a replies file (YAML, or JSON for `.json`). Every problem is one
 * line: `replies.yaml:7: keywords[2].reply.type: type must be one of …`.
 */
export function loadRepliesFile(file: string): LoadResult {
  let source: string;
  try {
    source = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const missing = code === 'ENOENT';
    return { ok: false, missing, problems: [`${file}: ${missing ? 'no such file' : `cannot be read (${code ?? String(error)})`}`] };
  }
  return { ...parseReplies(source, file), missing: false } as LoadResult;
}

/**
 * Validates the text of a replies file; `name` is how problems name the file, and the
 * media files its replies name are relative to it (absolute in the data returned).
 */
export function parseReplies(source: string, name: string): LoadResult {
  const read = readYamlFile(source, name, 'a replies file');
  if (!read.ok) return { ok: false, missing: false, problems: read.problems };
  // An empty file (or one of comments only) says nothing: the default rules answer.
  const value = read.value ?? {};
  const media = resolveMediaFiles(value, dirname(name));
  const result = repliesFileSchemas().REPLIES_FILE.safeParse(value);
  if (result.success && media.length === 0) return { ok: true, data: result.data };
  const problems = [...(result.success ? [] : problemsFrom(result.error.issues)), ...media];
  return { ok: false, missing: false, problems: read.locate(problems) };
}

/** A YAML (or JSON) file read within bounds: its value, and how to place a problem at its line. */
export type YamlFile =
  | {
      readonly ok: true;
      /** The document's value; undefined for an empty file (or one of comments only). */
      readonly value: unknown;
      /** The problems as lines (`file:7: accounts[1].name: …`), in file order. */
      locate(problems: readonly Problem[]): string[];
    }
  | { readonly ok: false; readonly problems: string[] };

/**
 * Reads the text of a configuration file of ours (the replies file, the accounts file):
 * YAML, or JSON for `.json`, bounded in size, nesting and what its aliases stand for,
 * with duplicate keys refused; `kind` names the file in the problems.
 */
export function readYamlFile(source: string, name: string, kind: string): YamlFile {
  const fail = (problems: string[]): YamlFile => ({ ok: false, problems });
  if (source.length > MAX_SOURCE_CHARACTERS) {
    return fail([`${name}: ${source.length} characters; ${kind} has at most ${MAX_SOURCE_CHARACTERS}`]);
  }
  const deep = tooDeep(source);
  if (deep !== undefined) return fail([`${name}:${deep.line}: nested more than ${MAX_NESTING} levels deep`]);
  const yaml = loadYaml();
  const { LineCounter, parseDocument } = yaml;
  const lines = new LineCounter();
  const document = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (document.errors.length > 0) {
    return fail(document.errors.map((error) => `${name}:${lines.linePos(error.pos[0]).line}: ${firstLine(error.message)}`));
  }
  if (extname(name).toLowerCase() === '.json') {
    try {
      JSON.parse(source);
    } catch (error) {
      return fail([`${name}: not valid JSON: ${(error as Error).message}`]);
    }
  }
  if (aliasedNodes(document, yaml) > MAX_ALIAS_NODES) {
    return fail([`${name}: its aliases stand for more than ${MAX_ALIAS_NODES} nodes in all: write the repeated parts out, or alias fewer`]);
  }
  // The aliases were counted above: yaml's own count (of alias uses, 100) would refuse a
  // file that reuses a short reply often, which costs nothing.
  const value: unknown = document.contents === null ? undefined : document.toJS({ maxAliasCount: -1 });
  return {
    ok: true,
    value,
    locate(problems) {
      const located = problems.map((problem) => locate(problem, document, lines, name));
      // In file order, as an owner reads it; the sort is stable for problems on one line.
      return located.sort((a, b) => a.line - b.line).map((problem) => problem.text);
    },
  };
}

function firstLine(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}

/** The problem as a line, at the line of the deepest node its path reaches. */
function locate(problem: Problem, document: Document, lines: LineCounter, name: string): { line: number; text: string } {
  const offset = offsetOf(document, problem);
  const line = offset === undefined ? 0 : lines.linePos(offset).line;
  const where = offset === undefined ? name : `${name}:${line}`;
  const place = placeOf(problem.path);
  return { line, text: place === '' ? `${where}: ${problem.message}` : `${where}: ${place}: ${problem.message}` };
}

function offsetOf(document: Document, { path, atKey }: Problem): number | undefined {
  const { isMap, isPair, isScalar, isSeq } = loadYaml();
  let node: Node | null = document.contents;
  let offset = node?.range?.[0];
  for (const part of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(part));
      if (pair === undefined) break;
      const key = pair.key as Node;
      if (atKey && part === path.at(-1)) return key.range?.[0];
      offset = key.range?.[0];
      node = pair.value as Node | null;
      if (node?.range) offset = node.range[0];
    } else if (isSeq(node) && typeof part === 'number') {
      const item = node.items[part] as Node | undefined;
      if (item === undefined) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return offset;
}
