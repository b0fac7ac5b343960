import type { Request, Response } from 'express';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import { MEDIA_LIMIT_BYTES, MEDIA_TYPES, uploadMedia, type MediaType } from '../../wechat-api/media.js';
import { InputError } from '../../core/errors.js';
import { queryParam } from '../query-param.js';
import { readUpload } from './read-upload.js';

/** WeChat tells the format by the file name; a name without one gets the type's usual one. */
const DEFAULT_EXTENSION: Readonly<Record<MediaType, string>> = { image: 'jpg', voice: 'amr', video: 'mp4', thumb: 'jpg' };

function mediaType(req: Request): MediaType {
  const type = queryParam(req, 'type');
  if (type === undefined || !(MEDIA_TYPES as readonly string[]).includes(type)) {
    throw new InputError('type', `type: one of ${MEDIA_TYPES.join(', ')}, in the query`);
  }
  return type as MediaType;
}

/** POST /api/media?type=…: the multipart field `media` → temporary media. */
export function mediaRoute(api: (req: Request) => WeChatApi) {
  return async function media(req: Request, res: Response): Promise<void> {
    const type = mediaType(req);
    const { client } = api(req);
    const upload = await readUpload(req, 'media', MEDIA_LIMIT_BYTES[type]);
    const filename = /\.[A-Za-z0-9]{1,8}$/.test(upload.filename) ? upload.filename : `${type}.${DEFAULT_EXTENSION[type]}`;
    const uploaded = await uploadMedia(client, type, { data: upload.data, filename, contentType: upload.mimeType });
    res.json({ media_id: uploaded.media_id, type: uploaded.type, created_at: uploaded.created_at });
  };
}
