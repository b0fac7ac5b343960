import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MEDIA_LIMIT_BYTES, type MediaType } from '../wechat-api/media.js';
import type { Reply } from '../protocol/reply-types.js';
import type { Problem } from './problems.js';
import type { FileReplyObject } from './schema.js';

/** A local file a reply names instead of a media id; `path` is absolute once loaded. */
export interface MediaRef {
  readonly path: string;
  readonly type: MediaType;
}

/** Where a file's `media_id` comes from (media-cache.ts: uploaded once, then reused). */
export interface MediaIds {
  /** Rejects when the file cannot be uploaded; the cause is logged there. */
  mediaIdOf(media: MediaRef): Promise<string>;
}

/** The field that may name a file, and the kind of media WeChat takes it as, per reply type. */
const FILE_FIELDS: Readonly<Record<string, { readonly field: string; readonly type: MediaType }>> = {
  image: { field: 'file', type: 'image' },
  voice: { field: 'file', type: 'voice' },
  video: { field: 'file', type: 'video' },
  music: { field: 'thumbFile', type: 'thumb' },
};

/**
 * The warning for a replies file whose replies upload files on a server that cannot
 * call WeChat: without the AppID and AppSecret those followers would get no reply.
 */
export function uploadsWithoutCredentials(files: readonly string[]): string {
  const named = files.slice(0, 3).join(', ') + (files.length > 3 ? ` and ${files.length - 3} more` : '');
  return `the replies file uploads ${files.length === 1 ? 'a file' : `${files.length} files`} (${named}), but WECHAT_APPID and WECHAT_APPSECRET are not both set: those replies cannot be sent and the follower gets none`;
}

/** A reply object as the handler API takes it, and the file whose media id it still needs. */
export interface PreparedReply {
  readonly reply: Reply;
  readonly media?: { readonly ref: MediaRef; fill(mediaId: string): Reply };
}

/** The file's reply object as a `Reply` (its media id filled in on first use, when it names a file). */
export function prepareReply(reply: FileReplyObject): PreparedReply {
  switch (reply.type) {
    case 'image':
    case 'voice':
    case 'video': {
      const { file, ...rest } = reply;
      const fill = (mediaId: string): Reply => ({ ...rest, mediaId });
      return file === undefined
        ? { reply: fill(rest.mediaId ?? '') }
        : { reply: fill(''), media: { ref: { path: file, type: reply.type }, fill } };
    }
    case 'music': {
      const { thumbFile, ...rest } = reply;
      const fill = (thumbMediaId: string): Reply => ({ ...rest, thumbMediaId });
      return thumbFile === undefined
        ? { reply: fill(rest.thumbMediaId ?? '') }
        : { reply: fill(''), media: { ref: { path: thumbFile, type: 'thumb' }, fill } };
    }
    default:
      return { reply };
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Every reply object in the file as parsed (before validation), with its place. */
function* replyObjects(file: unknown): Generator<{ path: (string | number)[]; reply: Record<string, unknown> }> {
  if (!isObject(file)) return;
  for (const key of ['subscribe', 'message']) {
    if (isObject(file[key])) yield { path: [key], reply: file[key] };
  }
  for (const key of ['scenes', 'click']) {
    const table = file[key];
    if (!isObject(table)) continue;
    for (const [name, reply] of Object.entries(table)) if (isObject(reply)) yield { path: [key, name], reply };
  }
  if (Array.isArray(file.keywords)) {
    for (const [index, rule] of file.keywords.entries()) {
      if (isObject(rule) && isObject(rule.reply)) yield { path: ['keywords', index, 'reply'], reply: rule.reply };
    }
  }
}

const megabytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1).replace(/\.0$/, '')} MB` : `${Math.ceil(bytes / 1024)} KB`;

function fileProblem(path: string, written: string, type: MediaType): string | undefined {
  let size: number;
  try {
    const stats = statSync(path);
    if (!stats.isFile()) return `${written} is not a file`;
    size = stats.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${written}: no such file (looked for ${path})` : `${written} cannot be read (${code ?? String(error)})`;
  }
  if (size === 0) return `${written} is empty`;
  const limit = MEDIA_LIMIT_BYTES[type];
  if (size <= limit) return undefined;
  const shown = megabytes(size) === megabytes(limit) ? `${size} bytes` : megabytes(size);
  return `${written} is ${shown}, over WeChat’s ${megabytes(limit)} limit for ${type}`;
}

/**
 * Checks every file a reply names (it exists, and is within WeChat's size limit for its
 * type), and makes each path absolute, relative to the replies file's directory. Works on
 * the file as parsed, so that these problems are reported with the schema's.
 */
export function resolveMediaFiles(file: unknown, directory: string): Problem[] {
  const problems: Problem[] = [];
  for (const { path, reply } of replyObjects(file)) {
    const media = typeof reply.type === 'string' ? FILE_FIELDS[reply.type] : undefined;
    const written = media === undefined ? undefined : reply[media.field];
    if (media === undefined || typeof written !== 'string') continue;
    const absolute = resolve(directory, written);
    reply[media.field] = absolute;
    const problem = fileProblem(absolute, written, media.type);
    if (problem !== undefined) problems.push({ path: [...path, media.field], message: problem });
  }
  return problems;
}
