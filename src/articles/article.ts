import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { MEDIA_LIMIT_BYTES } from '../wechat-api/media.js';
import { ArticleError } from './article-error.js';
import { parseArticleText, type FrontMatter } from './front-matter.js';
import { imageSource, imageTokens, markdownParser } from './markdown.js';

/** What an image file is, by its first bytes: WeChat goes by the bytes, not the name. */
export type ImageFormat = 'jpeg' | 'png' | 'gif' | 'other';

/** An image file of the article: one in its body, or its cover. */
export interface ArticleImage {
  /** As written in the Markdown (or the front matter, for the cover). */
  readonly src: string;
  /** Absolute, resolved against the article's directory. */
  readonly path: string;
  /** Undefined when the file is missing or unreadable; of a file over 10 MB, its first 10 MB and a byte. */
  readonly bytes: Buffer | undefined;
  /** Hex SHA-256 of `bytes`. */
  readonly sha256: string | undefined;
  /** From the magic bytes, not the extension. */
  readonly format: ImageFormat | undefined;
}

/** An article file as read, with every image it names; checked by articleProblems, rendered by renderArticleHtml. */
export interface Article {
  /** The article file, absolute. */
  readonly path: string;
  readonly frontMatter: FrontMatter;
  /** The Markdown after the front matter. */
  readonly body: string;
  /** The body's images that are files beside the article, in order of first appearance, one per path. */
  readonly images: readonly ArticleImage[];
  /** The body's http(s) images: WeChat does not show images from elsewhere. */
  readonly remoteImages: readonly string[];
  /** The body's images that are neither a relative path nor an http(s) URL (`data:`, `file:`, an absolute path). */
  readonly unsupportedImages: readonly string[];
  readonly cover: ArticleImage;
  /**
   * Hex SHA-256 over everything that is published: the front matter, the body, each
   * image's src and bytes, and the cover's bytes. It changes when any of them does, and
   * not when the repository is checked out elsewhere (srcs are relative).
   */
  readonly contentHash: string;
}

/** The Markdown file itself: far above a real article, whose HTML WeChat takes up to 20,000 characters of. */
export const ARTICLE_FILE_MAX_BYTES = 1024 * 1024;

/**
 * How much of an image file is read: one byte past WeChat's largest limit (a cover's 10
 * MB), enough to tell that it is too big. A larger file's `bytes` is that much of it, not
 * undefined: articleProblems says "too big" rather than "missing", and its hash is of what
 * was read (such a file is never published).
 */
const IMAGE_READ_BYTES = MEDIA_LIMIT_BYTES.image + 1;

/** Reads are made in pieces of this size, so that a small image does not cost a large buffer. */
const READ_CHUNK_BYTES = 1024 * 1024;

/**
 * Reads an article file: its front matter checked for types, its body, and every image it
 * names with its bytes. Throws ArticleError when the file cannot be read as an article;
 * an image that is missing is not thrown but read as `bytes: undefined`, for
 * articleProblems to report with the rest.
 */
export async function readArticle(file: string): Promise<Article> {
  const path = resolve(file);
  const read = await readAtMost(path, ARTICLE_FILE_MAX_BYTES + 1);
  if (!read.ok) throw new ArticleError(file, read.problem);
  if (read.bytes.length > ARTICLE_FILE_MAX_BYTES) {
    throw new ArticleError(file, `${read.size} bytes; an article file may have at most ${ARTICLE_FILE_MAX_BYTES} (1 MB)`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(read.bytes);
  } catch {
    throw new ArticleError(file, 'is not UTF-8 text');
  }
  const { frontMatter, body } = parseArticleText(text, file);
  const directory = dirname(path);
  const found = findImages(body, directory);
  const images: ArticleImage[] = [];
  // One at a time: each may hold up to IMAGE_READ_BYTES while it is read.
  for (const { src, path: imagePath } of found.local) images.push(await readImage(src, imagePath));
  const cover = await readImage(frontMatter.cover, resolve(directory, frontMatter.cover));
  return {
    path,
    frontMatter,
    body,
    images,
    remoteImages: found.remote,
    unsupportedImages: found.unsupported,
    cover,
    contentHash: contentHashOf(frontMatter, body, images, cover),
  };
}

/** The body's images, sorted by where they come from, each once. */
function findImages(body: string, directory: string) {
  const local = new Map<string, { readonly src: string; readonly path: string }>();
  const remote = new Set<string>();
  const unsupported = new Set<string>();
  for (const token of imageTokens(markdownParser().parse(body, {}))) {
    const source = imageSource(token, directory);
    if (source.kind === 'local') {
      if (!local.has(source.path)) local.set(source.path, source);
    } else if (source.kind === 'remote') remote.add(source.src);
    else unsupported.add(source.src);
  }
  return { local: [...local.values()], remote: [...remote], unsupported: [...unsupported] };
}

async function readImage(src: string, path: string): Promise<ArticleImage> {
  const read = await readAtMost(path, IMAGE_READ_BYTES);
  if (!read.ok) return { src, path, bytes: undefined, sha256: undefined, format: undefined };
  const { bytes } = read;
  return { src, path, bytes, sha256: createHash('sha256').update(bytes).digest('hex'), format: formatOf(bytes) };
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_START = Buffer.from([0xff, 0xd8, 0xff]);

function formatOf(bytes: Buffer): ImageFormat {
  const startsWith = (prefix: Buffer | string): boolean => bytes.subarray(0, prefix.length).equals(Buffer.from(prefix));
  if (startsWith(JPEG_START)) return 'jpeg';
  if (startsWith(PNG_SIGNATURE)) return 'png';
  if (startsWith('GIF87a') || startsWith('GIF89a')) return 'gif';
  return 'other';
}

/**
 * Each part in a fixed place of one JSON array, so that the hash depends on the values
 * alone, never on the order keys were written in.
 */
function contentHashOf(frontMatter: FrontMatter, body: string, images: readonly ArticleImage[], cover: ArticleImage): string {
  const { title, author, digest, cover: coverSrc, source_url: sourceUrl, comments } = frontMatter;
  const canonical = JSON.stringify([
    'article/1',
    [title, author ?? null, digest ?? null, coverSrc, sourceUrl ?? null, comments],
    body,
    images.map((image) => [image.src, image.sha256 ?? null]),
    cover.sha256 ?? null,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

type BoundedRead = { readonly ok: true; readonly bytes: Buffer; readonly size: number } | { readonly ok: false; readonly problem: string };

/** At most `limit` bytes of a regular file, and its size; or why it cannot be read. */
async function readAtMost(path: string, limit: number): Promise<BoundedRead> {
  let handle: FileHandle;
  try {
    // Non-blocking, so that a FIFO named by mistake is refused below instead of waiting
    // for a writer; a regular file reads as usual.
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    return { ok: false, problem: unreadable(error) };
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) return { ok: false, problem: 'is not a regular file' };
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < limit) {
      const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, limit - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
    }
    // Copied into a buffer of its own size: a small image keeps no large chunk alive.
    return { ok: true, bytes: Buffer.concat(chunks, total), size: Math.max(stats.size, total) };
  } catch (error) {
    return { ok: false, problem: unreadable(error) };
  } finally {
    await handle.close();
  }
}

function unreadable(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(error)})`;
}
