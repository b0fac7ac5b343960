import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { blacklistUsers, getBlacklistPage, MAX_OPENIDS_PER_BLACKLISTING, unblacklistUsers } from '../../wechat-api/blacklist.js';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import { cursorParam, openidList } from './openid-rules.js';
import { loadZod, onFirstUse, readJson } from './read-json.js';
import { logWrite } from './write-log.js';

const listSchema = onFirstUse(() => loadZod().strictObject({ openids: openidList(MAX_OPENIDS_PER_BLACKLISTING) }));

/** /api/blacklist: the users the account blocked. Each change is logged (`logWrite`). */
export function blacklistRoutes(api: (req: Request) => WeChatApi, logger: Logger) {
  return {
    /** GET /api/blacklist?begin_openid=: `{ total, count, openids, next_openid }`. */
    async page(req: Request, res: Response): Promise<void> {
      const begin = cursorParam(req, 'begin_openid');
      res.json(await getBlacklistPage(api(req).client, begin));
    },

    /** POST /api/blacklist `{ openids }` (1 to 20): 204, each blacklisted. */
    async add(req: Request, res: Response): Promise<void> {
      const { openids } = readJson(req, listSchema());
      await blacklistUsers(api(req).client, openids);
      logWrite(logger, res, `${req.method} ${req.baseUrl}/blacklist`, { openids: openids.length });
      res.status(204).end();
    },

    /** POST /api/blacklist/remove `{ openids }` (1 to 20): 204, each taken off. */
    async remove(req: Request, res: Response): Promise<void> {
      const { openids } = readJson(req, listSchema());
      await unblacklistUsers(api(req).client, openids);
      logWrite(logger, res, `${req.method} ${req.baseUrl}/blacklist/remove`, { openids: openids.length });
      res.status(204).end();
    },
  };
}
