import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { WeChatApi } from '../api/create-api.js';
import { authorizeUrl, fetchUserProfile } from '../api/oauth.js';
import { errorResponse, logFailure, type ErrorResponse } from './error-response.js';
import { errorPage, profilePage } from '../pages/oauth-pages.js';
import { createStateCookie, readCookie, STATE_COOKIE, STATE_TTL_MS } from './state-cookie.js';
import type { UsedStates } from '../used-states.js';

function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

function queryText(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The page for a failure of the code exchange, as its response says. */
function failurePage(response: ErrorResponse): string {
  if (response.errcode !== undefined) {
    return errorPage(
      '微信返回错误 WeChat error',
      `微信返回了错误码 ${response.errcode}，请稍后重试。`,
      `WeChat answered errcode ${response.errcode}. Please try again.`,
      `errcode ${response.errcode}: ${response.errmsg ?? ''}`,
    );
  }
  return errorPage(
    '无法连接微信 WeChat unreachable',
    '暂时无法连接微信服务器，请稍后重试。',
    'WeChat could not be reached. Please try again later.',
  );
}

/**
 * WeChat's web authorization (网页授权): `/oauth` sends the browser to WeChat with a
 * state bound to it by a signed cookie; `/oauth/callback` checks the state, exchanges
 * the code and shows the user's profile.
 */
export function oauthRoutes(
  api: WeChatApi | undefined,
  publicUrl: string | undefined,
  logger: Logger,
  { usedStates, now }: { readonly usedStates: UsedStates; readonly now: () => number },
) {
  const stateCookie = api === undefined ? undefined : createStateCookie(api.appSecret);
  const secure = publicUrl?.startsWith('https://') ?? false;
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/oauth' } as const;

  function unavailable(res: Response): void {
    sendPage(
      res,
      503,
      errorPage(
        '网页授权未配置 OAuth is not configured',
        '服务器缺少 WECHAT_APPID、WECHAT_APPSECRET 或 PUBLIC_URL 配置。',
        'The server needs WECHAT_APPID, WECHAT_APPSECRET and PUBLIC_URL to run web authorization.',
      ),
    );
  }

  /** GET /oauth: a 302 to WeChat's authorize page. */
  function start(_req: Request, res: Response): void {
    if (api === undefined || stateCookie === undefined || publicUrl === undefined) {
      unavailable(res);
      return;
    }
    const { state, cookie } = stateCookie.issue(now());
    res.cookie(STATE_COOKIE, cookie, { ...cookieOptions, maxAge: STATE_TTL_MS });
    res.set('Cache-Control', 'no-store');
    res.redirect(302, authorizeUrl(api.appId, `${publicUrl}/oauth/callback`, state));
  }

  /** GET /oauth/callback: the profile page, or a page that says what went wrong. */
  async function callback(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (api === undefined || stateCookie === undefined || publicUrl === undefined) {
      unavailable(res);
      return;
    }
    const code = queryText(req, 'code');
    const state = queryText(req, 'state');
    if (code === undefined) {
      sendPage(
        res,
        400,
        errorPage(
          '未授权 Not authorized',
          '您没有同意授权，因此无法显示您的资料。',
          'You did not allow access, so your profile cannot be shown.',
        ),
      );
      return;
    }
    // The state works once and for 10 minutes: a callback URL seen by someone else
    // (a log, a Referer) cannot be replayed.
    const valid = state !== undefined && stateCookie.verify(state, readCookie(req.headers.cookie, STATE_COOKIE), now());
    if (!valid || !(await usedStates.claim(state, STATE_TTL_MS))) {
      sendPage(
        res,
        403,
        errorPage(
          '链接已失效 Link expired',
          '授权请求无法验证，请重新打开页面。',
          'This authorization could not be verified (state mismatch). Please open the page again.',
        ),
      );
      return;
    }
    res.clearCookie(STATE_COOKIE, cookieOptions);
    try {
      const profile = await fetchUserProfile(api.transport, api.appId, api.appSecret, code);
      sendPage(res, 200, profilePage(profile));
    } catch (error) {
      const response = errorResponse(error);
      if (response.code === 'internal_error') {
        next(error);
        return;
      }
      logFailure(logger, error, response, 'OAuth failed');
      sendPage(res, response.status, failurePage(response));
    }
  }

  return { start, callback };
}
