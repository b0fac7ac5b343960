import type { Request, Response } from 'express';
import { getFollowerPage, getUser } from '../../wechat-api/users.js';
import { InputError } from '../../core/errors.js';
import { queryParam } from '../query-param.js';
import type { Reach } from '../../reach/reach.js';
import type { WindowState } from '../../reach/customer-service-window.js';
import type { SendingAccount } from './sending-account.js';
import { cursorParam, openidParam } from './openid-rules.js';

const LANGS = ['zh_CN', 'zh_TW', 'en'] as const;

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** `GET /api/users/:openid/reach`'s body, and the window it was made from. */
async function reachOf(reach: Reach, openid: string): Promise<{ body: Record<string, unknown>; window: WindowState }> {
  const [window, grants] = await Promise.all([reach.window(openid), reach.grants(openid)]);
  const body = {
    window: window.window,
    window_until: isoOrNull(window.until),
    custom_sent_in_window: window.sentSinceLatest,
    sends_left: window.sendsLeft,
    grants,
  };
  return { body, window };
}

/** GET /api/users/:openid, /api/users, and what the server knows of reaching a user (`/grants`, `/reach`). */
export function userRoutes(accountOf: (req: Request) => SendingAccount) {
  return {
    /** WeChat's profile of one follower, as WeChat answers it. */
    async one(req: Request, res: Response): Promise<void> {
      const openid = openidParam(req);
      const lang = queryParam(req, 'lang');
      if (lang !== undefined && !(LANGS as readonly string[]).includes(lang)) {
        throw new InputError('lang', `lang: one of ${LANGS.join(', ')}`);
      }
      res.json(await getUser(accountOf(req).api.client, openid, lang as (typeof LANGS)[number] | undefined));
    },

    /** One page of followers from `next_openid` on. */
    async page(req: Request, res: Response): Promise<void> {
      const next = cursorParam(req, 'next_openid');
      res.json(await getFollowerPage(accountOf(req).api.client, next));
    },

    /** The notice grants the server knows of: `{ openid, grants }`. */
    async grants(req: Request, res: Response): Promise<void> {
      const openid = openidParam(req);
      res.set('Cache-Control', 'no-store').json({ openid, grants: await accountOf(req).reach.grants(openid) });
    },

    /** The customer-service window and the grants: whether, and how, the user can be reached now. */
    async reach(req: Request, res: Response): Promise<void> {
      res.set('Cache-Control', 'no-store').json((await reachOf(accountOf(req).reach, openidParam(req))).body);
    },

    /** `reach`, and when the user last interacted (`last_interaction`, ISO 8601 or null): for the console's users page. */
    async reachInDetail(req: Request, res: Response): Promise<void> {
      const found = await reachOf(accountOf(req).reach, openidParam(req));
      res.set('Cache-Control', 'no-store').json({ ...found.body, last_interaction: isoOrNull(found.window.latest) });
    },
  };
}
