import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import {
  createTag,
  deleteTag,
  getTagFollowerPage,
  getTags,
  getUserTagIds,
  MAX_OPENIDS_PER_TAGGING,
  renameTag,
  SYSTEM_TAG_IDS,
  TAG_NAME_MAX_BYTES,
  tagUsers,
  untagUsers,
} from '../../wechat-api/tags.js';
import { InputError } from '../../core/errors.js';
import { cursorParam, openidList, openidParam } from './openid-rules.js';
import { loadZod, onFirstUse, readJson } from './read-json.js';
import { logWrite } from './write-log.js';

/** A tag's id in a path: a positive integer, 10 digits at most. */
const TAG_ID = /^[1-9][0-9]{0,9}$/;

const nameSchema = onFirstUse(() => {
  const z = loadZod();
  const rule = `1 to ${TAG_NAME_MAX_BYTES} bytes of UTF-8 (a Chinese character is 3)`;
  const name = z.string().refine((value) => value.length > 0 && Buffer.byteLength(value) <= TAG_NAME_MAX_BYTES, rule);
  return z.strictObject({ name });
});

const membersSchema = onFirstUse(() => loadZod().strictObject({ openids: openidList(MAX_OPENIDS_PER_TAGGING) }));

/** The tag's id in the route's path, or an InputError naming `id`. */
function tagIdParam(req: Request): number {
  const id = String(req.params.id);
  if (!TAG_ID.test(id)) throw new InputError('id', 'id: a tag id, a positive integer');
  return Number(id);
}

/** A tag the caller may rename or delete: not one of WeChat's own (which WeChat refuses with 45058). */
function changeableTagId(req: Request): number {
  const id = tagIdParam(req);
  if (SYSTEM_TAG_IDS.includes(id)) {
    throw new InputError('id', `id: tag ${id} is one of WeChat's own (${SYSTEM_TAG_IDS.join(', ')}), never renamed nor deleted`);
  }
  return id;
}

/**
 * /api/tags and GET /api/users/:openid/tags: the account's tags and who carries them.
 * Every input is checked before WeChat is called; each change is logged (`logWrite`).
 */
export function tagRoutes(api: (req: Request) => WeChatApi, logger: Logger) {
  const route = (req: Request, pattern: string): string => `${req.method} ${req.baseUrl}${pattern}`;
  return {
    /** GET /api/tags: `{ tags: [{ id, name, count }] }`. */
    async list(req: Request, res: Response): Promise<void> {
      res.json({ tags: await getTags(api(req).client) });
    },

    /** POST /api/tags `{ name }`: 201 `{ id, name }`. */
    async create(req: Request, res: Response): Promise<void> {
      const { name } = readJson(req, nameSchema());
      const tag = await createTag(api(req).client, name);
      logWrite(logger, res, route(req, '/tags'), { tag: tag.id });
      res.status(201).json(tag);
    },

    /** PATCH /api/tags/:id `{ name }`: `{ id, name }`. */
    async rename(req: Request, res: Response): Promise<void> {
      const id = changeableTagId(req);
      const { name } = readJson(req, nameSchema());
      await renameTag(api(req).client, id, name);
      logWrite(logger, res, route(req, '/tags/:id'), { tag: id });
      res.json({ id, name });
    },

    /** DELETE /api/tags/:id: 204. */
    async remove(req: Request, res: Response): Promise<void> {
      const id = changeableTagId(req);
      await deleteTag(api(req).client, id);
      logWrite(logger, res, route(req, '/tags/:id'), { tag: id });
      res.status(204).end();
    },

    /** GET /api/tags/:id/users?next_openid=: `{ count, openids, next_openid }`. */
    async users(req: Request, res: Response): Promise<void> {
      const id = tagIdParam(req);
      const next = cursorParam(req, 'next_openid');
      res.json(await getTagFollowerPage(api(req).client, id, next));
    },

    /** POST /api/tags/:id/users `{ openids }` (1 to 50): 204, each given the tag. */
    async tag(req: Request, res: Response): Promise<void> {
      const id = tagIdParam(req);
      const { openids } = readJson(req, membersSchema());
      await tagUsers(api(req).client, id, openids);
      logWrite(logger, res, route(req, '/tags/:id/users'), { tag: id, openids: openids.length });
      res.status(204).end();
    },

    /** POST /api/tags/:id/users/remove `{ openids }` (1 to 50): 204, the tag taken from each. */
    async untag(req: Request, res: Response): Promise<void> {
      const id = tagIdParam(req);
      const { openids } = readJson(req, membersSchema());
      await untagUsers(api(req).client, id, openids);
      logWrite(logger, res, route(req, '/tags/:id/users/remove'), { tag: id, openids: openids.length });
      res.status(204).end();
    },

    /** GET /api/users/:openid/tags: `{ openid, tag_ids }`. */
    async userTags(req: Request, res: Response): Promise<void> {
      const openid = openidParam(req);
      res.json({ openid, tag_ids: await getUserTagIds(api(req).client, openid) });
    },
  };
}
