import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Logger } from 'pino';
import type { MediaFile, MediaType, UploadedMedia } from '../wechat-api/media.js';
import { WeChatApiError } from '../core/errors.js';
import { FailureBackOff } from '../core/failure-back-off.js';
import type { MediaIds, MediaRef } from './media-files.js';

/** WeChat keeps temporary media 3 days. */
export const MEDIA_LIFETIME_MS = 3 * 24 * 60 * 60 * 1000;
/** A media id is used for 2.5 days, then the file is uploaded again, well before WeChat forgets it. */
export const MEDIA_REUSE_MS = 2.5 * 24 * 60 * 60 * 1000;

export interface CachedMediaId {
  readonly mediaId: string;
  /** When to upload again, on the cache's clock. */
  readonly reuseUntil: number;
}

/** Where media ids are kept, by `<type>:<sha256 of the bytes>`: this process, or Redis for every instance. */
export interface MediaIdStore {
  read(key: string): Promise<CachedMediaId | undefined>;
  write(key: string, entry: CachedMediaId): Promise<void>;
  /** Runs `work` while no other holder of the store runs work for `key` (Redis: a lock across instances). */
  exclusive<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** The process's own media ids (one entry per file content, overwritten by its next upload). */
export function createMemoryMediaIdStore(): MediaIdStore {
  const entries = new Map<string, CachedMediaId>();
  return {
    read: async (key) => entries.get(key),
    write: async (key, entry) => void entries.set(key, entry),
    exclusive: (_key, work) => work(),
  };
}

export type Upload = (type: MediaType, file: MediaFile) => Promise<UploadedMedia>;

export interface MediaCacheOptions {
  /** Uploads temporary media; undefined without AppID and AppSecret (every file reply then fails). */
  readonly upload: Upload | undefined;
  readonly store: MediaIdStore;
  readonly logger: Logger;
  readonly now?: () => number;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.mp3': 'audio/mpeg',
  '.amr': 'audio/amr',
  '.mp4': 'video/mp4',
};

interface Identified {
  /** The file as it was when hashed: a change of any of these hashes it again. */
  readonly signature: string;
  readonly key: Promise<string>;
}

/**
 * The media ids of the replies file's own files. A file is uploaded as temporary media on
 * first use and its id kept by the hash of its bytes (so an edited file is uploaded anew,
 * and a renamed one is not), for 2.5 days. Concurrent first uses share one upload in a
 * process, and the store's lock makes it one across instances. A failed upload is logged
 * and remembered for a while (2 s, doubling with each failure in a row up to a minute):
 * the messages meanwhile get its error at once, without WeChat being asked again.
 */
export function createMediaCache({ upload, store, logger, now = Date.now }: MediaCacheOptions): MediaIds {
  const hashes = new Map<string, Identified>();
  const uploading = new Map<string, Promise<string>>();
  const failures = new FailureBackOff<string>({ now });

  async function keyOf({ path, type }: MediaRef): Promise<string> {
    const stats = await stat(path);
    const signature = `${stats.ino}:${stats.size}:${stats.mtimeMs}`;
    const known = hashes.get(path);
    if (known?.signature === signature) return known.key;
    const key = readFile(path).then((bytes) => `${type}:${createHash('sha256').update(bytes).digest('hex')}`);
    hashes.set(path, { signature, key });
    key.catch(() => {
      if (hashes.get(path)?.key === key) hashes.delete(path);
    });
    return key;
  }

  const usable = (entry: CachedMediaId | undefined): entry is CachedMediaId => entry !== undefined && entry.reuseUntil > now();

  async function uploadOnce(key: string, { path, type }: MediaRef): Promise<string> {
    const cached = await store.read(key);
    if (usable(cached)) return cached.mediaId;
    return store.exclusive(key, async () => {
      const meanwhile = await store.read(key); // another instance may have uploaded it while this one waited
      if (usable(meanwhile)) return meanwhile.mediaId;
      if (upload === undefined) throw new Error('uploading media needs WECHAT_APPID and WECHAT_APPSECRET');
      const name = basename(path);
      const contentType = CONTENT_TYPES[name.slice(name.lastIndexOf('.')).toLowerCase()];
      const data = await readFile(path);
      const uploaded = await upload(type, { data, filename: name, ...(contentType === undefined ? {} : { contentType }) });
      await store.write(key, { mediaId: uploaded.media_id, reuseUntil: now() + MEDIA_REUSE_MS });
      logger.info({ file: path, type, mediaId: uploaded.media_id }, 'replies file: media uploaded');
      return uploaded.media_id;
    });
  }

  return {
    async mediaIdOf(media) {
      let key: string;
      try {
        key = await keyOf(media);
      } catch (error) {
        logger.error({ file: media.path, err: (error as Error).message }, 'replies file: a media file cannot be read; answered "success"');
        throw error;
      }
      const running = uploading.get(key);
      if (running !== undefined) return running;
      const failure = failures.blocking(key);
      if (failure !== undefined) {
        const cached = await store.read(key); // another instance may have uploaded it meanwhile
        if (usable(cached)) return cached.mediaId;
        throw failure.error;
      }
      const attempt = uploadOnce(key, media)
        .then(
          (mediaId) => {
            failures.succeeded(key);
            return mediaId;
          },
          (error: unknown) => {
            const { retryAt } = failures.failed(key, error);
            const errcode = error instanceof WeChatApiError ? error.errcode : undefined;
            logger.error(
              {
                file: media.path,
                type: media.type,
                errcode,
                retryInS: Math.ceil((retryAt - now()) / 1000),
                err: error instanceof Error ? error.message : String(error),
              },
              'replies file: uploading a media file failed; answered "success", tried again after a wait',
            );
            throw error;
          },
        )
        .finally(() => uploading.delete(key));
      uploading.set(key, attempt);
      return attempt;
    },
  };
}
