import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { ApiNotConfiguredError, InputError, WeChatApiError } from '../core/errors.js';
import type { OpenPlatform } from '../open-platform/open-platform.js';
import { authorizedPage, authorizeLinkPage } from '../pages/open-authorize-pages.js';
import { errorMiddleware } from './error-middleware.js';
import { errorResponse, logFailure } from './error-response.js';
import { queryParam } from './query-param.js';

/** WeChat's authorisation page, which the admin scans with the account admin's WeChat. */
const COMPONENT_LOGIN_PAGE = 'https://mp.weixin.qq.com/cgi-bin/componentloginpage';
/** Official accounts only (2 would be mini programs, 3 both). */
const AUTH_TYPE_OFFICIAL_ACCOUNTS = '1';
/** Longer than any authorisation code WeChat gives (about 100 characters). */
const MAX_AUTH_CODE_LENGTH = 512;
/** WeChat checks the Referer of the click against the 授权发起页域名: its origin must reach it. */
const LINK_REFERRER_POLICY = 'strict-origin-when-cross-origin';

export interface OpenAuthorizeOptions {
  readonly platform: Pick<OpenPlatform, 'componentAppId' | 'componentToken' | 'authorize'>;
  /** PUBLIC_URL, for the redirect_uri; without it the page is a 503, as `/oauth` is. */
  readonly publicUrl: string | undefined;
  readonly logger: Logger;
}

function sendPage(res: Response, html: string): void {
  res.status(200).set('Cache-Control', 'no-store').type('html').send(html);
}

/** The query's `auth_code`: given once, not empty, not over-long; else a 400 naming it. */
function authCodeOf(req: Request): string {
  const code = queryParam(req, 'auth_code');
  if (code === undefined || code === '')
    throw new InputError('auth_code', 'auth_code: missing; open this page from WeChat’s authorisation');
  if (code.length > MAX_AUTH_CODE_LENGTH) throw new InputError('auth_code', `auth_code: longer than ${MAX_AUTH_CODE_LENGTH} characters`);
  return code;
}

/**
 * The platform's authorisation for admins, as a router for `/open/authorize` (mounted
 * behind the admin guard). `GET /` gets a fresh pre_auth_code and answers a page with
 * the link to WeChat's authorisation page; `GET /callback` is where WeChat sends the
 * admin back: it exchanges `auth_code` (the account is kept, as after an `authorized`
 * push) and names the account. Failures are JSON, as errorResponse says (no ticket yet:
 * 503; a code WeChat refuses: 400).
 */
export function openAuthorizeRoutes({ platform, publicUrl, logger }: OpenAuthorizeOptions): Router {
  const log = logger.child({ route: '/open/authorize' });
  const componentAppId = platform.componentAppId;

  /** GET /open/authorize: the page with the link, a new pre_auth_code each time. */
  async function start(_req: Request, res: Response): Promise<void> {
    if (publicUrl === undefined) throw new ApiNotConfiguredError('the authorisation page needs PUBLIC_URL, for its redirect_uri');
    const path = '/cgi-bin/component/api_create_preauthcode';
    const answer = await platform.componentToken.call({ method: 'POST', path, body: { component_appid: componentAppId } });
    const preAuthCode = answer.pre_auth_code;
    if (typeof preAuthCode !== 'string' || preAuthCode === '') throw new WeChatApiError(-1, 'the answer has no pre_auth_code', path);
    const query = new URLSearchParams({
      component_appid: componentAppId,
      pre_auth_code: preAuthCode,
      redirect_uri: `${publicUrl}/open/authorize/callback`,
      auth_type: AUTH_TYPE_OFFICIAL_ACCOUNTS,
    });
    // pageSecurity sends no Referer at all; this page's link must send its origin.
    res.set('Referrer-Policy', LINK_REFERRER_POLICY);
    sendPage(res, authorizeLinkPage(`${COMPONENT_LOGIN_PAGE}?${query.toString()}`));
  }

  /** The account's nickname, or undefined when WeChat does not tell it: the authorisation stands either way. */
  async function nicknameOf(appId: string): Promise<string | undefined> {
    try {
      const answer = await platform.componentToken.call({
        method: 'POST',
        path: '/cgi-bin/component/api_get_authorizer_info',
        body: { component_appid: componentAppId, authorizer_appid: appId },
      });
      const nickname = (answer.authorizer_info as { nick_name?: unknown } | undefined)?.nick_name;
      return typeof nickname === 'string' ? nickname : undefined;
    } catch (error) {
      logFailure(log.child({ authorizer: appId }), error, errorResponse(error), 'the authorised account’s nickname could not be read');
      return undefined;
    }
  }

  /** GET /open/authorize/callback?auth_code=…&expires_in=…: the account kept, and named. */
  async function callback(req: Request, res: Response): Promise<void> {
    const { appId } = await platform.authorize(authCodeOf(req));
    sendPage(res, authorizedPage(appId, await nicknameOf(appId)));
  }

  const router = Router();
  router.get('/', start);
  // The auth_code is the caller's, handed to WeChat: its refusal (61009, 61010) is a 400.
  router.get('/callback', callback, errorMiddleware({ logger: log, what: 'authorisation failed', context: { callerInputToWeChat: true } }));
  router.use(errorMiddleware({ logger: log, what: 'the authorisation page failed' }));
  return router;
}
