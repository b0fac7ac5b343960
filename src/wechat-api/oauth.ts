import { checkResponseBody, type ApiTransport } from './transport.js';

/** The profile `/sns/userinfo` answers for the `snsapi_userinfo` scope. */
export interface UserProfile {
  readonly openid: string;
  readonly nickname: string;
  /** 1 male, 2 female, 0 unknown. */
  readonly sex: number;
  readonly province: string;
  readonly city: string;
  readonly country: string;
  readonly headimgurl: string;
}

/**
 * What the user lets the page know: `snsapi_base` is silent and yields the openid only;
 * `snsapi_userinfo` asks the user, and yields the profile too.
 */
export type OAuthScope = 'snsapi_base' | 'snsapi_userinfo';

/** WeChat's web-authorization page, where `/oauth` sends the browser. */
export function authorizeUrl(appId: string, redirectUri: string, state: string, scope: OAuthScope = 'snsapi_userinfo'): string {
  const query = new URLSearchParams({ appid: appId, redirect_uri: redirectUri, response_type: 'code', scope, state });
  return `https://open.weixin.qq.com/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
}

/** The web access token (not the API access token) a code is exchanged for, and whose it is. */
export interface WebAccessToken {
  readonly accessToken: string;
  readonly openid: string;
}

/**
 * Exchanges an authorization code for a web access token and the user's openid: all
 * that `snsapi_base` yields.
 * https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
 */
async function exchangeCode(transport: ApiTransport, appId: string, appSecret: string, code: string): Promise<WebAccessToken> {
  const path = '/sns/oauth2/access_token';
  const token = checkResponseBody(
    await transport.send({ method: 'GET', path, query: { appid: appId, secret: appSecret, code, grant_type: 'authorization_code' } }),
    path,
  );
  return { accessToken: String(token.access_token ?? ''), openid: String(token.openid ?? '') };
}

/** The profile of the user a web access token was issued for (`snsapi_userinfo` only). */
async function fetchUserInfo(transport: ApiTransport, { accessToken, openid }: WebAccessToken): Promise<UserProfile> {
  const path = '/sns/userinfo';
  const profile = checkResponseBody(
    await transport.send({ method: 'GET', path, query: { access_token: accessToken, openid, lang: 'zh_CN' } }),
    path,
  );
  const text = (value: unknown): string => (typeof value === 'string' ? value : '');
  return {
    openid: text(profile.openid),
    nickname: text(profile.nickname),
    sex: typeof profile.sex === 'number' ? profile.sex : 0,
    province: text(profile.province),
    city: text(profile.city),
    country: text(profile.country),
    headimgurl: text(profile.headimgurl),
  };
}

/**
 * One account's web authorization: the two calls `/oauth/callback` makes, which go
 * without the API access token, with the AppSecret kept inside.
 */
export interface WebAuthorization {
  /** The authorization code WeChat handed the browser, for the user's web access token and openid. */
  exchangeCode(code: string): Promise<WebAccessToken>;
  /** The profile of the user a web access token was issued for (`snsapi_userinfo` only). */
  fetchUserInfo(token: WebAccessToken): Promise<UserProfile>;
}

export function createWebAuthorization(transport: ApiTransport, appId: string, appSecret: string): WebAuthorization {
  return {
    exchangeCode: (code) => exchangeCode(transport, appId, appSecret, code),
    fetchUserInfo: (token) => fetchUserInfo(transport, token),
  };
}
