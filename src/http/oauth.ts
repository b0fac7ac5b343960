import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { perAccount, type AccountOf } from './account-of.js';
import { DEFAULT_ACCOUNT } from '../accounts/account-settings.js';
import type { UserProfile } from '../wechat-api/oauth.js';
import { ApiNotConfiguredError, InputError, NotSignedInError } from '../core/errors.js';
import { errorMiddleware, pageFailures } from './error-middleware.js';
import type { ErrorResponse } from './error-response.js';
import { createLogRateLimit } from './log-rate-limit.js';
import { checkNextPath } from './next-path.js';
import { pageSecurity } from './page-security.js';
import { queryParam, singleQueryParam } from './query-param.js';
import { errorPage, profilePage } from '../pages/oauth-pages.js';
import { readCookie } from './signed-cookie.js';
import { createStateCookie, STATE_COOKIE, STATE_TTL_MS, type OAuthFlow } from './state-cookie.js';
import { createUserCookie, USER_COOKIE, USER_TTL_MS, type WeChatUser } from './user-cookie.js';

function sendPage(res: Response, status: number, html: string): void {
  res.status(status).set('Cache-Control', 'no-store').type('html').send(html);
}

/** The page for each failure of `/oauth` and its callback, as its response says. */
function failurePage(response: ErrorResponse): string {
  switch (response.code) {
    case 'input_invalid':
      return errorPage('链接无效 Invalid link', '这个链接的参数不正确，请从公众号重新打开页面。', response.message);
    case 'api_not_configured':
      return errorPage(
        '网页授权未配置 OAuth is not configured',
        '服务器缺少 WECHAT_APPID、WECHAT_APPSECRET 或 PUBLIC_URL 配置。',
        'The server needs WECHAT_APPID, WECHAT_APPSECRET and PUBLIC_URL to run web authorization.',
      );
    case 'oauth_states_full':
      // No room to remember one more used state: refused, rather than an old one forgotten.
      return errorPage(
        '请稍后重试 Try again later',
        '当前登录的人太多，请几分钟后重新打开页面。',
        'Too many sign-ins at once. Please open the page again in a few minutes.',
      );
    case 'wechat_api_refused':
      return errorPage(
        '微信返回错误 WeChat error',
        `微信返回了错误码 ${response.errcode}，请稍后重试。`,
        `WeChat answered errcode ${response.errcode}. Please try again.`,
        `errcode ${response.errcode}: ${response.errmsg ?? ''}`,
      );
    case 'wechat_unreachable':
      return errorPage(
        '无法连接微信 WeChat unreachable',
        '暂时无法连接微信服务器，请稍后重试。',
        'WeChat could not be reached. Please try again later.',
      );
    default:
      return errorPage(
        '出错了 Something went wrong',
        '服务器出错了，请稍后重新打开页面。',
        'Something went wrong. Please open the page again later.',
      );
  }
}

/**
 * The flow `/oauth` is asked for: `next` (a path on this server, or none for the
 * profile page) and `scope` (`base` for the silent `snsapi_base`, which needs `next`).
 */
function requestedFlow(req: Request, publicUrl: string): OAuthFlow {
  const path = queryParam(req, 'next');
  const next = path === undefined ? undefined : checkNextPath(path, publicUrl);
  const scope = queryParam(req, 'scope') ?? 'userinfo';
  if (scope === 'userinfo') return next === undefined ? { scope: 'snsapi_userinfo' } : { scope: 'snsapi_userinfo', next };
  if (scope !== 'base') throw new InputError('scope', 'scope: must be "base" (the openid only, silently) or "userinfo" (the default)');
  if (next === undefined) throw new InputError('next', 'scope=base hands the openid to a page of yours: give its path as next');
  return { scope: 'snsapi_base', next };
}

/** What the user cookie names: the openid, and with `snsapi_userinfo` the nickname and avatar. */
function userOf(flow: OAuthFlow, openid: string, profile: UserProfile | undefined): WeChatUser {
  if (profile === undefined) return { openid, scope: flow.scope };
  return { openid: profile.openid || openid, nickname: profile.nickname, headimgurl: profile.headimgurl, scope: flow.scope };
}

/**
 * WeChat's web authorization (网页授权), as a router for `/oauth`: `/oauth` sends the
 * browser to WeChat with a state bound to it by a signed cookie; `/oauth/callback`
 * checks the state, exchanges the code, names the user in a signed cookie and hands the
 * browser to `next` (or shows the profile); `/oauth/me` answers who the cookie names.
 * The pages' failures are pages, `/oauth/me`'s are JSON.
 */
export function oauthRoutes(accountOf: AccountOf, publicUrl: string | undefined, logger: Logger, now: () => number): Router {
  // Each account's cookies are signed with keys derived from its own AppSecret.
  const cookiesOf = perAccount(({ cookieSecret }) =>
    cookieSecret === undefined ? undefined : { state: createStateCookie(cookieSecret), user: createUserCookie(cookieSecret) },
  );
  const secure = publicUrl?.startsWith('https://') ?? false;
  const cookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/oauth' } as const;
  // The user cookie reaches the account's own pages, anywhere on this origin.
  const userCookieOptions = { httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: USER_TTL_MS } as const;
  // Anyone may call back with a bad code: one warning per interval, not one per callback.
  const logLimit = createLogRateLimit();

  /** WeChat's web authorization needs the AppID, the AppSecret and this server's public URL. */
  function configured(req: Request) {
    const account = accountOf(req);
    const { api, usedStates } = account;
    const cookies = cookiesOf(account);
    if (api === undefined || cookies === undefined || publicUrl === undefined) {
      throw new ApiNotConfiguredError('OAuth needs WECHAT_APPID, WECHAT_APPSECRET and PUBLIC_URL');
    }
    return { account, api, usedStates, stateCookie: cookies.state, userCookie: cookies.user, publicUrl };
  }

  /** GET /oauth[?next=/path[&scope=base]]: a 302 to WeChat's authorize page. */
  function start(req: Request, res: Response): void {
    const { account, api, stateCookie, publicUrl } = configured(req);
    // The callback comes back for the same account: its state cookie is signed with that account's key.
    const callbackUrl =
      account.name === DEFAULT_ACCOUNT
        ? `${publicUrl}/oauth/callback`
        : `${publicUrl}/oauth/callback?account=${encodeURIComponent(account.name)}`;
    const flow = requestedFlow(req, publicUrl);
    const { state, cookie } = stateCookie.issue(now(), flow);
    res.cookie(STATE_COOKIE, cookie, { ...cookieOptions, maxAge: STATE_TTL_MS });
    res.set('Cache-Control', 'no-store');
    res.redirect(302, api.oauth.authorizeUrl(callbackUrl, state, flow.scope));
  }

  /** GET /oauth/callback: a 302 to `next`, or the profile page, or a page that says what went wrong. */
  async function callback(req: Request, res: Response): Promise<void> {
    const { api, usedStates, stateCookie, userCookie } = configured(req);
    // WeChat builds this URL: a code or state repeated or empty is none.
    const code = singleQueryParam(req, 'code');
    const state = singleQueryParam(req, 'state');
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
    // (a log, a Referer) cannot be replayed. It is used up only once WeChat has taken
    // the code, so that a flood of self-made states with made-up codes cannot fill the
    // memory of used ones.
    const expired = (): void =>
      sendPage(
        res,
        403,
        errorPage(
          '链接已失效 Link expired',
          '授权请求无法验证，请重新打开页面。',
          'This authorization could not be verified (state mismatch). Please open the page again.',
        ),
      );
    const flow = state === undefined ? undefined : stateCookie.verify(state, readCookie(req.headers.cookie, STATE_COOKIE), now());
    if (flow === undefined || state === undefined || (await usedStates.isUsed(state))) {
      expired();
      return;
    }
    res.clearCookie(STATE_COOKIE, cookieOptions);
    const token = await api.oauth.exchangeCode(code);
    // Another callback with this state may have got here first.
    if (!(await usedStates.claim(state, STATE_TTL_MS))) {
      expired();
      return;
    }
    // snsapi_base grants no profile: /sns/userinfo would only refuse.
    const profile = flow.scope === 'snsapi_userinfo' ? await api.oauth.fetchUserInfo(token) : undefined;
    res.cookie(USER_COOKIE, userCookie.seal(userOf(flow, token.openid, profile), now()), userCookieOptions);
    if (flow.next !== undefined) {
      res.set('Cache-Control', 'no-store');
      res.redirect(302, flow.next);
    } else if (profile !== undefined) {
      sendPage(res, 200, profilePage(profile));
    }
  }

  /** GET /oauth/me: the user the cookie names, as JSON; 401 without a valid one. */
  function me(req: Request, res: Response): void {
    res.set('Cache-Control', 'no-store');
    const account = accountOf(req);
    const userCookie = cookiesOf(account)?.user;
    if (userCookie === undefined) throw new ApiNotConfiguredError('OAuth needs WECHAT_APPID and WECHAT_APPSECRET');
    // A cookie of another account is signed with another key: it names no one here.
    const user = userCookie.open(readCookie(req.headers.cookie, USER_COOKIE), now());
    if (user === undefined) throw new NotSignedInError('no signed-in WeChat user: open /oauth?next=<your page> first');
    const { openid, nickname, headimgurl } = user;
    // Part one's single account is unnamed here, as before; with several, the answer names its account.
    res.json(account.name === DEFAULT_ACCOUNT ? { openid, nickname, headimgurl } : { openid, nickname, headimgurl, account: account.name });
  }

  const what = (response: ErrorResponse): string => (response.code === 'oauth_states_full' ? 'OAuth callback refused' : 'OAuth failed');
  const router = Router();
  router.get('/', pageSecurity, start);
  router.get('/callback', pageSecurity, callback);
  router.get('/me', me, errorMiddleware({ logger, what, limit: logLimit }));
  router.use(errorMiddleware({ logger, what, limit: logLimit, render: pageFailures(failurePage) }));
  return router;
}
