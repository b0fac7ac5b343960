import type { Request, Response } from 'express';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import { getFollowerPage, getUser } from '../../wechat-api/users.js';
import { InputError } from '../../core/errors.js';
import { queryParam } from '../query-param.js';

const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const LANGS = ['zh_CN', 'zh_TW', 'en'] as const;

/** GET /api/users/:openid and GET /api/users. */
export function userRoutes(api: (req: Request) => WeChatApi) {
  return {
    /** WeChat's profile of one follower, as WeChat answers it. */
    async one(req: Request, res: Response): Promise<void> {
      const openid = String(req.params.openid);
      if (!OPENID.test(openid)) throw new InputError('openid', 'openid: 1 to 64 letters, digits, _ or -');
      const lang = queryParam(req, 'lang');
      if (lang !== undefined && !(LANGS as readonly string[]).includes(lang)) {
        throw new InputError('lang', `lang: one of ${LANGS.join(', ')}`);
      }
      res.json(await getUser(api(req).client, openid, lang as (typeof LANGS)[number] | undefined));
    },

    /** One page of followers from `next_openid` on. */
    async page(req: Request, res: Response): Promise<void> {
      const next = queryParam(req, 'next_openid');
      if (next !== undefined && next !== '' && !OPENID.test(next)) {
        throw new InputError('next_openid', 'next_openid: an openid (1 to 64 letters, digits, _ or -)');
      }
      res.json(await getFollowerPage(api(req).client, next));
    },
  };
}
