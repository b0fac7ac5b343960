import type { Request, Response } from 'express';
import type { WeChatApi } from '../../wechat-api/create-api.js';

/**
 * GET /api/access-token: the token in force, for systems that must call WeChat
 * themselves. `expires_in` counts the seconds WeChat still honours it.
 */
export function accessTokenRoute(api: (req: Request) => WeChatApi) {
  return async function accessToken(req: Request, res: Response): Promise<void> {
    const { accessToken } = api(req);
    const token = await accessToken.current();
    res.set('Cache-Control', 'no-store');
    res.json({ access_token: token.value, expires_in: Math.max(0, Math.floor((token.expiresAt - Date.now()) / 1000)) });
  };
}
