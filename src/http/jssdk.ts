import { Router, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import { perAccount, type AccountOf } from './account-of.js';
import { ApiNotConfiguredError, InputError } from '../core/errors.js';
import { createNonceStr, signJssdk, signedUrl } from '../protocol/jssdk-signature.js';
import { errorMiddleware } from './error-middleware.js';
import { createLogRateLimit } from './log-rate-limit.js';
import { queryParam } from './query-param.js';

/** Longer than any page URL a browser sends in practice, short enough to refuse junk. */
const MAX_URL_LENGTH = 4096;

/**
 * WeChat's open tags (微信开放标签), which a page asks for in `wx.config`'s `openTagList`.
 * https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_Open_Tag.html
 */
export const OPEN_TAGS = ['wx-open-launch-weapp', 'wx-open-launch-app', 'wx-open-subscribe', 'wx-open-audio'] as const;
export type OpenTag = (typeof OPEN_TAGS)[number];

/** Far longer than the four tags together: a longer `open_tags` is junk. */
const MAX_OPEN_TAGS_LENGTH = 256;

/** The body of `GET /jssdk/config`: what `wx.config` needs besides `jsApiList`. */
export interface JssdkConfig {
  readonly appId: string;
  readonly timestamp: number;
  readonly nonceStr: string;
  readonly signature: string;
  /** The open tags the page asked for with `open_tags`, each once; absent when it asked for none. */
  readonly openTagList?: readonly OpenTag[];
}

const isOpenTag = (name: string): name is OpenTag => (OPEN_TAGS as readonly string[]).includes(name);

/**
 * `open_tags`: WeChat's open tags, separated by commas (spaces around them ignored, a
 * tag given twice kept once), or undefined when not given. Anything else is an
 * InputError naming `open_tags`: an unknown or misspelt tag would only fail later, in
 * the page, as a tag that never renders.
 */
function openTagsOf(value: string | undefined): OpenTag[] | undefined {
  if (value === undefined) return undefined;
  const known = `WeChat's open tags are ${OPEN_TAGS.join(', ')}, separated by commas`;
  if (value.length > MAX_OPEN_TAGS_LENGTH)
    throw new InputError('open_tags', `open_tags: longer than ${MAX_OPEN_TAGS_LENGTH} characters; ${known}`);
  const tags: OpenTag[] = [];
  for (const part of value.split(',')) {
    const name = part.trim();
    if (!isOpenTag(name)) {
      const what = name === '' ? 'an empty tag' : `unknown tag ${JSON.stringify(name)}`;
      throw new InputError('open_tags', `open_tags: ${what}; ${known}`);
    }
    if (!tags.includes(name)) tags.push(name);
  }
  return tags;
}

/** The hostname of an http(s) URL, as a browser parses it, or undefined. */
function httpHostname(value: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    return undefined;
  }
  return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.hostname : undefined;
}

/** Why `url` may not be signed, or undefined when it may. */
function refusal(url: string | undefined, allowed: ReadonlySet<string>): string | undefined {
  if (url === undefined || url === '') return 'url is required: the page’s location.href (its #… part is ignored)';
  if (url.length > MAX_URL_LENGTH) return `url must be at most ${MAX_URL_LENGTH} characters`;
  const host = httpHostname(signedUrl(url));
  if (host === undefined) return 'url must be an absolute http:// or https:// URL';
  if (!allowed.has(host)) return `url’s host ${host} is not in JSSDK_DOMAINS`;
  return undefined;
}

/**
 * `GET /jssdk/config?url=…[&open_tags=…]` and its CORS preflight, as a router for `/jssdk`. Public,
 * because the account's pages call it from the browser; so it signs only for the hosts
 * in JSSDK_DOMAINS, and gives CORS headers only to pages served from them. Failures are
 * JSON, as on `/api`.
 */
export function jssdkRoutes(accountOf: AccountOf, logger: Logger): Router {
  const allowedOf = perAccount((account) => new Set(account.settings.jssdkDomains));
  // Anyone may call it: a failing ticket is one warning per interval, not one per call.
  const logLimit = createLogRateLimit();

  /** Sets the CORS headers when the request comes from a page on an allowed host. */
  function allowOrigin(req: Request, res: Response, allowed: ReadonlySet<string>): boolean {
    // The answer depends on Origin, whatever it is: caches must keep them apart.
    res.vary('Origin');
    const origin = req.headers.origin;
    const host = typeof origin === 'string' ? httpHostname(origin) : undefined;
    if (origin === undefined || host === undefined || !allowed.has(host)) return false;
    res.set('Access-Control-Allow-Origin', origin);
    return true;
  }

  function preflight(req: Request, res: Response): void {
    if (!allowOrigin(req, res, allowedOf(accountOf(req)))) {
      res.status(403).json({ error: 'this origin is not in JSSDK_DOMAINS' });
      return;
    }
    res.set('Access-Control-Allow-Methods', 'GET');
    const headers = req.headers['access-control-request-headers'];
    // Echoed only when it is a plain list of header names.
    if (typeof headers === 'string' && /^[A-Za-z0-9-]+(\s*,\s*[A-Za-z0-9-]+)*$/.test(headers) && headers.length <= 256) {
      res.set('Access-Control-Allow-Headers', headers);
    }
    res.set('Access-Control-Max-Age', '600');
    res.status(204).end();
  }

  async function jssdkConfig(req: Request, res: Response): Promise<void> {
    const account = accountOf(req);
    const { api } = account;
    const allowed = allowedOf(account);
    allowOrigin(req, res, allowed);
    res.set('Cache-Control', 'no-store');
    const url = queryParam(req, 'url');
    const problem = refusal(url, allowed);
    if (problem !== undefined || url === undefined) throw new InputError('url', problem ?? 'url is required');
    const openTagList = openTagsOf(queryParam(req, 'open_tags'));
    if (api === undefined) throw new ApiNotConfiguredError('WECHAT_APPID and WECHAT_APPSECRET must be set to sign JS-SDK pages');
    const ticket = await api.jsapiTicket.get();
    const timestamp = Math.floor(Date.now() / 1000);
    const nonceStr = createNonceStr();
    const body: JssdkConfig = {
      appId: api.appId,
      timestamp,
      nonceStr,
      signature: signJssdk({ ticket, nonceStr, timestamp, url }),
      ...(openTagList === undefined ? {} : { openTagList }),
    };
    res.json(body);
  }

  const router = Router();
  router.options('/config', preflight);
  router.get('/config', jssdkConfig);
  router.use(errorMiddleware({ logger, what: 'JS-SDK config not signed', limit: logLimit }));
  return router;
}
