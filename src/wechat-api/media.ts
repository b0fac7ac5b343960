import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';

export const MEDIA_TYPES = ['image', 'voice', 'video', 'thumb'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** WeChat's size limit for temporary media of each type, in bytes. */
export const MEDIA_LIMIT_BYTES: Readonly<Record<MediaType, number>> = {
  image: 10 * 1024 * 1024,
  voice: 2 * 1024 * 1024,
  video: 10 * 1024 * 1024,
  thumb: 64 * 1024,
};

export interface MediaFile {
  /** The file's bytes. */
  readonly data: Blob | Uint8Array;
  /** WeChat guesses the format from the file name's extension: give a real one. */
  readonly filename: string;
  readonly contentType?: string;
}

export interface UploadedMedia {
  readonly type: MediaType;
  readonly media_id: string;
  /** Unix time in seconds; temporary media lives 3 days. */
  readonly created_at: number;
}

/** Uploads of a few MB take longer than the API's usual 5 s. */
export const UPLOAD_TIMEOUT_MS = 60_000;

/** A file as the multipart field `media`, the one every WeChat upload reads. */
export function mediaForm(file: MediaFile): FormData {
  const blob =
    file.data instanceof Blob ? file.data : new Blob([file.data], file.contentType === undefined ? {} : { type: file.contentType });
  const form = new FormData();
  form.append('media', blob, file.filename);
  return form;
}

/**
 * Uploads temporary media (临时素材), sent as multipart field `media`, as WeChat asks.
 * https://developers.weixin.qq.com/doc/offiaccount/Asset_Management/New_temporary_materials.html
 */
export async function uploadMedia(client: ApiClient, type: MediaType, file: MediaFile): Promise<UploadedMedia> {
  const path = '/cgi-bin/media/upload';
  const answer = await client.call({ method: 'POST', path, query: { type }, body: mediaForm(file), timeoutMs: UPLOAD_TIMEOUT_MS });
  if (typeof answer.media_id !== 'string' || answer.media_id === '') throw new WeChatApiError(-1, 'the answer has no media_id', path);
  return { type, media_id: answer.media_id, created_at: Number(answer.created_at) };
}
