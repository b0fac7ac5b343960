import { dirname } from 'node:path';
import type { RendererRule, Token } from 'markdown-it';
import type { Article, ArticleImage } from './article.js';
import { imageSource, markdownParser, markdownRenderer } from './markdown.js';

/**
 * Every style of the HTML, in one place. WeChat drops `<style>`, classes and ids from an
 * article and keeps `style` attributes, so each element carries its own. Each one counts
 * against WeChat's 20,000 characters of HTML, so they are short, and what is inherited
 * (font size, line height, colour) is said once, on the section around the article.
 */
const STYLES: Readonly<Record<string, string>> = {
  section: 'font-size:16px;line-height:1.75;color:#333;word-wrap:break-word',
  p: 'margin:0 0 1em',
  h1: 'margin:1.2em 0 .6em;font-size:1.5em;line-height:1.4',
  h2: 'margin:1.2em 0 .6em;font-size:1.35em;line-height:1.4',
  h3: 'margin:1.2em 0 .6em;font-size:1.2em;line-height:1.4',
  h4: 'margin:1em 0 .5em;font-size:1.1em',
  h5: 'margin:1em 0 .5em;font-size:1em',
  h6: 'margin:1em 0 .5em;font-size:1em;color:#666',
  blockquote: 'margin:0 0 1em;padding:.5em 1em;border-left:4px solid #ddd;background:#f7f7f7;color:#666',
  ul: 'margin:0 0 1em;padding-left:1.5em',
  ol: 'margin:0 0 1em;padding-left:1.5em',
  li: 'margin:.25em 0',
  pre: 'margin:0 0 1em;padding:.8em 1em;background:#f6f8fa;border-radius:4px;overflow-x:auto;white-space:pre-wrap;font-family:Menlo,Consolas,monospace;font-size:14px;line-height:1.6',
  'pre code': 'font-family:inherit;background:none;padding:0',
  code: 'padding:.1em .3em;background:#f6f8fa;border-radius:3px;font-family:Menlo,Consolas,monospace;font-size:.9em',
  table: 'margin:0 0 1em;border-collapse:collapse',
  th: 'border:1px solid #ddd;padding:.4em .6em;background:#f6f8fa',
  td: 'border:1px solid #ddd;padding:.4em .6em',
  hr: 'margin:1.5em 0;border:0;border-top:1px solid #ddd',
  img: 'max-width:100%;display:block;margin:1em auto',
  a: 'color:#576b95',
  'link url': 'color:#888;font-size:.9em;word-break:break-all',
};

/** The tokens that are rendered as markdown-it renders them, with their style added and every other attribute dropped. */
const STYLED_TOKENS = [
  'paragraph_open',
  'heading_open',
  'blockquote_open',
  'bullet_list_open',
  'ordered_list_open',
  'list_item_open',
  'table_open',
  'thead_open',
  'tbody_open',
  'tr_open',
  'th_open',
  'td_open',
  'hr',
];

/** WeChat keeps only links to its own articles; any other `<a>` it removes, with the address. */
const WECHAT_ARTICLE_HOST = 'mp.weixin.qq.com';

/** The article's HTML for WeChat: inline styles only, each local image's src replaced by `imageUrl(image)`. */
export function renderArticleHtml(article: Article, imageUrl: (image: ArticleImage) => string): string {
  const parser = markdownParser();
  const { escapeHtml } = parser.utils;
  const attribute = (name: string, value: string): string => ` ${name}="${escapeHtml(value)}"`;
  const style = (key: string): string => attribute('style', STYLES[key] ?? '');
  const directory = dirname(article.path);
  const images = new Map(article.images.map((image) => [image.path, image]));
  const renderer = markdownRenderer();
  const { rules } = renderer;

  const styled: RendererRule = (tokens, index, options, _env, self) => {
    const token = tokens[index]!;
    token.attrs = styledAttributes(token);
    return self.renderToken(tokens, index, options);
  };
  for (const type of STYLED_TOKENS) rules[type] = styled;

  // Without the language: markdown-it would write it as `class="language-…"`.
  const codeBlock: RendererRule = (tokens, index) =>
    `<pre${style('pre')}><code${style('pre code')}>${escapeHtml(tokens[index]!.content)}</code></pre>\n`;
  rules.fence = codeBlock;
  rules.code_block = codeBlock;
  rules.code_inline = (tokens, index) => `<code${style('code')}>${escapeHtml(tokens[index]!.content)}</code>`;

  // With html: false markdown-it makes no such token; were one made, it would still be text.
  rules.html_block = (tokens, index) => escapeHtml(tokens[index]!.content);
  rules.html_inline = rules.html_block;

  rules.image = (tokens, index, options, env, self) => {
    const token = tokens[index]!;
    const alt = self.renderInlineAsText(token.children ?? [], options, env);
    const source = imageSource(token, directory);
    const image = source.kind === 'local' ? images.get(source.path) : undefined;
    // An image from the web (or a data: URL) WeChat would not show: its alt text stands in, and articleProblems reports it.
    if (image === undefined) return escapeHtml(alt === '' ? '[image]' : `[image: ${alt}]`);
    return `<img${attribute('src', imageUrl(image))}${attribute('alt', alt)}${style('img')}>`;
  };

  // What each open link's close writes: `</a>`, or the address after the link's text.
  const closings: string[] = [];
  rules.link_open = (tokens, index) => {
    const token = tokens[index]!;
    const href = String(token.attrGet('href') ?? '');
    if (isWeChatArticle(href)) {
      closings.push('</a>');
      return `<a${attribute('href', href)}${style('a')}>`;
    }
    // The reader still sees where the link went; an autolink's text is its address already.
    const shown =
      token.markup === 'autolink' || href === '' ? '' : `<span${style('link url')}> (${escapeHtml(parser.normalizeLinkText(href))})</span>`;
    closings.push(shown);
    return '';
  };
  rules.link_close = () => closings.pop() ?? '';

  const env = {};
  const tokens = parser.parse(article.body, env);
  return `<section${style('section')}>${renderer.render(tokens, parser.options, env)}</section>`;
}

/**
 * A block's attributes as rendered: its style, a table cell's alignment (which
 * markdown-it writes as `style="text-align:…"`) and an ordered list's `start`; nothing
 * else, so no class or id.
 */
function styledAttributes(token: Token): [string, string][] {
  const attributes: [string, string][] = [];
  const start = token.attrGet('start');
  if (token.tag === 'ol' && start !== null) attributes.push(['start', String(start)]);
  const alignment = token.attrGet('style');
  const style = [STYLES[token.tag], alignment === null ? undefined : String(alignment)].filter((part) => part !== undefined).join(';');
  if (style !== '') attributes.push(['style', style]);
  return attributes;
}

function isWeChatArticle(href: string): boolean {
  try {
    const url = new URL(href);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname === WECHAT_ARTICLE_HOST;
  } catch {
    return false;
  }
}
