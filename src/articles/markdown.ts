import { resolve } from 'node:path';
import type MarkdownItModule from 'markdown-it';
import type { MarkdownIt, Renderer, Token } from 'markdown-it';
import { lazyRequire } from '../core/lazy-require.js';

/** markdown-it: loaded only when an article is read. */
const loadMarkdownIt = lazyRequire<typeof MarkdownItModule>('markdown-it');

let parser: MarkdownIt | undefined;

/**
 * The one Markdown parser of articles (CommonMark), for finding an article's images and
 * for rendering it: raw HTML in the Markdown stays text (`html: false`), and nothing is
 * made a link or "prettier" than written.
 */
export function markdownParser(): MarkdownIt {
  if (parser === undefined) {
    const MarkdownIt = loadMarkdownIt();
    parser = new MarkdownIt({ html: false, linkify: false, typographer: false });
    // markdown-it leaves a link or image to data:, file: or javascript: as its Markdown
    // text. Here every destination becomes a token instead, so that such an image is
    // found and reported (imageSource), and render-html.ts writes an href only for an
    // http(s) link to mp.weixin.qq.com: every other destination is shown as text.
    parser.validateLink = () => true;
  }
  return parser;
}

/** A renderer of its own for each rendering: its rules close over that article. */
export function markdownRenderer(): Renderer {
  return new (loadMarkdownIt().Renderer)();
}

/** The images of the body as they render: the `image` tokens of each inline run (an image inside another's alt text is only text). */
export function* imageTokens(tokens: readonly Token[]): Generator<Token> {
  for (const token of tokens) {
    if (token.type !== 'inline' || token.children === null) continue;
    for (const child of token.children) if (child.type === 'image') yield child;
  }
}

/** Where an image of the body comes from: a file beside the article, the web, or neither. */
export type ImageSource =
  | { readonly kind: 'local'; readonly src: string; readonly path: string }
  | { readonly kind: 'remote'; readonly src: string }
  | { readonly kind: 'unsupported'; readonly src: string };

/** `http:`, `data:`, `file:`…: a URL's scheme, which a relative path has not. */
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * An image token's source. markdown-it hands out its destination percent-encoded
 * (`%E5%9B%BE.png`); `src` is it as the author wrote it, and a local file's path is it
 * decoded, against the article's directory. A path that climbs out (`../img/a.png`) is
 * fine: the article's repository is its author's.
 */
export function imageSource(token: Token, directory: string): ImageSource {
  const href = String(token.attrGet('src') ?? '');
  const src = markdownParser().normalizeLinkText(href);
  if (/^https?:/i.test(href) || href.startsWith('//')) return { kind: 'remote', src };
  // A data: or file: URL, an absolute path (not the same on another checkout), or nothing.
  if (href === '' || SCHEME.test(href) || href.startsWith('/')) return { kind: 'unsupported', src };
  return { kind: 'local', src, path: resolve(directory, decoded(href)) };
}

function decoded(href: string): string {
  try {
    return decodeURIComponent(href);
  } catch {
    // Escapes that are not UTF-8 (`%FF`): the name as written.
    return href;
  }
}
