import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import { REMARK_MAX_BYTES, updateRemark } from '../../wechat-api/users.js';
import { openidParam } from './openid-rules.js';
import { loadZod, onFirstUse, readJson } from './read-json.js';
import { logWrite } from './write-log.js';

const remarkSchema = onFirstUse(() => {
  const z = loadZod();
  const rule = `at most ${REMARK_MAX_BYTES} bytes of UTF-8 (10 Chinese characters)`;
  return z.strictObject({ remark: z.string().refine((value) => Buffer.byteLength(value) <= REMARK_MAX_BYTES, rule) });
});

/** PUT /api/users/:openid/remark `{ remark }`: `{ openid, remark }`; logged without the remark. */
export function remarkRoute(api: (req: Request) => WeChatApi, logger: Logger) {
  return async function remark(req: Request, res: Response): Promise<void> {
    const openid = openidParam(req);
    const body = readJson(req, remarkSchema());
    await updateRemark(api(req).client, openid, body.remark);
    logWrite(logger, res, `${req.method} ${req.baseUrl}/users/:openid/remark`, { openid });
    res.json({ openid, remark: body.remark });
  };
}
