import { MEDIA_LIMIT_BYTES } from '../wechat-api/media.js';
import type { Article, ArticleImage } from './article.js';

/** WeChat's limits on an article of a draft (draft/add), in characters (code points). */
const TITLE_MAX_CHARACTERS = 32;
const AUTHOR_MAX_CHARACTERS = 16;
const DIGEST_MAX_CHARACTERS = 128;
const SOURCE_URL_MAX_BYTES = 1024;
/** The HTML must be fewer than 20,000 characters, and less than 1 MB. */
const CONTENT_CHARACTERS_BELOW = 20_000;
const CONTENT_BYTES_BELOW = 1024 * 1024;
/** An image of the body goes through media/uploadimg: JPEG or PNG, less than 1 MB. */
const BODY_IMAGE_BYTES_BELOW = 1024 * 1024;
/** The cover is permanent material: JPEG, PNG or GIF, at most 10 MB. */
const COVER_MAX_BYTES = MEDIA_LIMIT_BYTES.image;

/**
 * The URL each image of the body is rendered with when the HTML is measured:
 * `renderArticleHtml(article, () => PLACEHOLDER_IMAGE_URL)`. The check runs before
 * anything is uploaded, and the URLs media/uploadimg answers are about this long
 * (`http://mmbiz.qpic.cn/mmbiz_png/<about 60 characters>/0?wx_fmt=png`), so the HTML
 * measured is, within a few characters per image, the HTML that will be sent.
 */
export const PLACEHOLDER_IMAGE_URL = `http://mmbiz.qpic.cn/mmbiz_png/${'x'.repeat(60)}/0?wx_fmt=png`;

/** A src as a problem shows it: a data: URL can be a megabyte long. */
const SHOWN_SRC_MAX_CHARACTERS = 80;

/** Every problem with the article against WeChat's limits, one line each (empty when it may be drafted). Offline. */
export function articleProblems(article: Article, html: string): string[] {
  const problems: string[] = [];
  const { title, author, digest, source_url: sourceUrl } = article.frontMatter;
  const atMost = (field: string, value: string | undefined, limit: number): void => {
    const length = value === undefined ? 0 : codePoints(value);
    if (length > limit) problems.push(`${field}: ${length} characters, WeChat allows at most ${limit}`);
  };
  atMost('title', title, TITLE_MAX_CHARACTERS);
  atMost('author', author, AUTHOR_MAX_CHARACTERS);
  atMost('digest', digest, DIGEST_MAX_CHARACTERS);
  const urlBytes = sourceUrl === undefined ? 0 : Buffer.byteLength(sourceUrl, 'utf8');
  if (urlBytes > SOURCE_URL_MAX_BYTES)
    problems.push(`source_url: ${urlBytes} bytes (UTF-8), WeChat allows at most ${SOURCE_URL_MAX_BYTES}`);

  problems.push(...coverProblems(article.cover));

  if (article.body.trim() === '') problems.push('content: the body (after the front matter) is empty');
  const characters = codePoints(html);
  if (characters >= CONTENT_CHARACTERS_BELOW) {
    problems.push(
      `content: ${characters} characters of HTML, WeChat allows fewer than ${CONTENT_CHARACTERS_BELOW}: shorten the article or split it`,
    );
  }
  const bytes = Buffer.byteLength(html, 'utf8');
  if (bytes >= CONTENT_BYTES_BELOW) {
    problems.push(`content: ${bytes} bytes of HTML, WeChat allows less than ${CONTENT_BYTES_BELOW} (1 MB)`);
  }

  for (const image of article.images) problems.push(...bodyImageProblems(image));
  for (const src of article.remoteImages) {
    problems.push(
      `image ${shown(src)}: on the web, and WeChat shows only images uploaded with the article: download it next to the article and use a relative path`,
    );
  }
  for (const src of article.unsupportedImages) {
    problems.push(
      `image ${shown(src)}: neither a relative path nor an http(s) URL: put the image in a file next to the article and use a relative path`,
    );
  }
  return problems;
}

function bodyImageProblems(image: ArticleImage): string[] {
  const name = `image ${shown(image.src)}`;
  if (image.bytes === undefined) return [`${name}: no such file, or it cannot be read (looked for ${image.path})`];
  const problems: string[] = [];
  if (image.format !== 'jpeg' && image.format !== 'png') {
    problems.push(`${name}: ${formatName(image)}; WeChat takes only JPEG or PNG in an article's body`);
  }
  if (image.bytes.length >= BODY_IMAGE_BYTES_BELOW) {
    problems.push(
      `${name}: ${sizeOf(image.bytes.length)}, WeChat allows less than 1 MB (${BODY_IMAGE_BYTES_BELOW} bytes) in an article's body`,
    );
  }
  return problems;
}

function coverProblems(cover: ArticleImage): string[] {
  const name = `cover ${shown(cover.src)}`;
  if (cover.bytes === undefined) {
    const url = /^[A-Za-z][A-Za-z0-9+.-]*:/.test(cover.src);
    return [
      url
        ? `${name}: the cover is a file beside the article, not a URL: download it next to the article and use a relative path`
        : `${name}: no such file, or it cannot be read (looked for ${cover.path})`,
    ];
  }
  const problems: string[] = [];
  if (cover.format !== 'jpeg' && cover.format !== 'png' && cover.format !== 'gif') {
    problems.push(`${name}: ${formatName(cover)}; WeChat takes only JPEG, PNG or GIF as a cover`);
  }
  // The read stops a byte past the limit: more than that is "more than 10 MB".
  if (cover.bytes.length > COVER_MAX_BYTES)
    problems.push(`${name}: more than 10 MB, WeChat allows at most 10 MB (${COVER_MAX_BYTES} bytes)`);
  return problems;
}

function formatName(image: ArticleImage): string {
  switch (image.format) {
    case 'jpeg':
      return 'a JPEG image';
    case 'png':
      return 'a PNG image';
    case 'gif':
      return 'a GIF image';
    default:
      return 'not a JPEG, PNG or GIF image (by its first bytes)';
  }
}

function sizeOf(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB (${bytes} bytes)` : `${Math.ceil(bytes / 1024)} KB`;
}

function shown(src: string): string {
  const points = [...src.slice(0, SHOWN_SRC_MAX_CHARACTERS * 2)];
  return points.length > SHOWN_SRC_MAX_CHARACTERS ? `${points.slice(0, SHOWN_SRC_MAX_CHARACTERS).join('')}…` : points.join('');
}

/** Characters as WeChat counts them, code points: the count of `[...text]`, without building the array. */
function codePoints(text: string): number {
  let count = 0;
  for (let index = 0; index < text.length; index += 1) {
    const unit = text.charCodeAt(index);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) index += 1; // a surrogate pair is one code point
    }
    count += 1;
  }
  return count;
}
