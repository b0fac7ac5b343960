import type * as Yaml from 'yaml';
import type * as Zod from 'zod';
import { lazyRequire } from '../core/lazy-require.js';
import { aliasedNodes, MAX_NESTING, tooDeep } from '../core/yaml-bounds.js';
import { ArticleError } from './article-error.js';

/** yaml and zod: loaded only when an article is read. */
const loadYaml = lazyRequire<typeof Yaml>('yaml');
const loadZod = lazyRequire<typeof Zod>('zod');

/** What an article says about itself, between its two lines `---`. */
export interface FrontMatter {
  readonly title: string;
  readonly author?: string;
  readonly digest?: string;
  /** A path relative to the article's file. */
  readonly cover: string;
  /** An http(s) URL: "read the original" (阅读原文). */
  readonly source_url?: string;
  /** Whether readers may comment; false unless said. */
  readonly comments: boolean;
}

/** Far above a real front matter (six short keys, under a kilobyte): a bound on what yaml reads. */
const FRONT_MATTER_MAX_CHARACTERS = 16 * 1024;

/**
 * How many nodes a front matter's aliases may stand for: it has no use for them, so a
 * few are let through and anything that repeats a subtree many times is refused before
 * yaml expands it.
 */
const FRONT_MATTER_MAX_ALIAS_NODES = 100;

/** The keys a front matter may have, as its problems list them. */
const KEYS = ['title', 'author', 'digest', 'cover', 'source_url', 'comments'] as const;

/**
 * Types only: WeChat's limits (the title's length and the others) are checked by
 * article-check.ts, with every other problem of the article at once. An unknown key is
 * refused, so that a misspelt one (`titel`) does not pass silently.
 */
function schema(z: typeof Zod.z) {
  const text = (field: string) =>
    z.string({ error: (issue) => (issue.input === undefined ? `${field} is missing` : `${field} must be text`) });
  const nonBlank = (value: string): boolean => value.trim() !== '';
  return z.strictObject(
    {
      title: text('title').refine(nonBlank, 'title is empty'),
      author: text('author').optional(),
      digest: text('digest').optional(),
      cover: text('cover').refine(nonBlank, 'cover is empty'),
      source_url: z.url({ protocol: /^https?$/, error: 'source_url must be an http:// or https:// URL' }).optional(),
      comments: z.boolean({ error: 'comments must be true or false' }).default(false),
    },
    { error: 'must be keys and values (title: …)' },
  );
}

/**
 * Splits an article's text into its front matter, checked, and its Markdown body. The
 * front matter lies between a first line `---` and the next line `---` (`\r\n` line ends
 * and a byte order mark are allowed). Throws ArticleError, naming the file and the field.
 */
export function parseArticleText(text: string, file: string): { readonly frontMatter: FrontMatter; readonly body: string } {
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const opening = lineAt(source, 0);
  if (!isFence(source, opening)) {
    throw new ArticleError(file, 'no front matter: an article begins with a line `---`, then title: and cover:, then a line `---`');
  }
  // A linear scan for the closing line; nothing here looks back.
  for (let line = lineAt(source, opening.next); line.start < source.length; line = lineAt(source, line.next)) {
    if (isFence(source, line)) {
      const frontMatter = readFrontMatter(source.slice(opening.next, line.start), file);
      return { frontMatter, body: source.slice(line.next) };
    }
    if (line.start - opening.next > FRONT_MATTER_MAX_CHARACTERS) break;
  }
  const tooLong = source.length - opening.next > FRONT_MATTER_MAX_CHARACTERS;
  throw new ArticleError(
    file,
    tooLong
      ? `the front matter has no closing line \`---\` within ${FRONT_MATTER_MAX_CHARACTERS} characters`
      : 'the front matter has no closing line `---`',
  );
}

interface Line {
  readonly start: number;
  /** Where the line's text ends, before `\n` (and before `\r`, when there is one). */
  readonly end: number;
  /** Where the next line starts. */
  readonly next: number;
}

function lineAt(source: string, start: number): Line {
  const newline = source.indexOf('\n', start);
  const stop = newline === -1 ? source.length : newline;
  const end = stop > start && source.charCodeAt(stop - 1) === 0x0d ? stop - 1 : stop;
  return { start, end, next: newline === -1 ? source.length : newline + 1 };
}

/** `---`, with trailing spaces or tabs allowed (an editor may leave them). */
function isFence(source: string, line: Line): boolean {
  if (line.end - line.start < 3 || line.end - line.start > 16) return false;
  return source.slice(line.start, line.end).trimEnd() === '---';
}

function readFrontMatter(source: string, file: string): FrontMatter {
  if (source.length > FRONT_MATTER_MAX_CHARACTERS) {
    throw new ArticleError(file, `the front matter is ${source.length} characters; it may have at most ${FRONT_MATTER_MAX_CHARACTERS}`);
  }
  // Lines of the front matter count from the file's second line.
  const deep = tooDeep(source);
  if (deep !== undefined)
    throw new ArticleError(file, `line ${deep.line + 1}: the front matter nests more than ${MAX_NESTING} levels deep`);
  const yaml = loadYaml();
  const lines = new yaml.LineCounter();
  const document = yaml.parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const line = lines.linePos(error.pos[0]).line + 1;
    throw new ArticleError(file, `line ${line}: the front matter is not valid YAML: ${error.message.split('\n', 1)[0] ?? ''}`);
  }
  if (aliasedNodes(document, yaml, FRONT_MATTER_MAX_ALIAS_NODES) > FRONT_MATTER_MAX_ALIAS_NODES) {
    throw new ArticleError(
      file,
      `the front matter's aliases stand for more than ${FRONT_MATTER_MAX_ALIAS_NODES} nodes: write the values out`,
    );
  }
  // The aliases were counted above, within a small bound.
  const value: unknown = document.contents === null ? {} : document.toJS({ maxAliasCount: -1 });
  const result = schema(loadZod().z).safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => `unknown key ${JSON.stringify(key)} (the keys are ${KEYS.join(', ')})`)
      : [issue.message],
  );
  throw new ArticleError(file, `front matter: ${problems.join('; ')}`);
}
