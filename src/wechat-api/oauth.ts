import { checkResponseBody, type ApiRequest, type ApiTransport, type WeChatResponseBody } from './transport.js';

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

/**
 * WeChat's web-authorization page, where `/oauth` sends the browser. An account that
 * authorised a third-party platform is authorised through it: `componentAppId` names the
 * platform.
 */
export function authorizeUrl(
  appId: string,
  redirectUri: string,
  state: string,
  scope: OAuthScope = 'snsapi_userinfo',
  componentAppId?: string,
): string {
  const query = new URLSearchParams({ appid: appId, redirect_uri: redirectUri, response_type: 'code', scope, state });
  if (componentAppId !== undefined) query.set('component_appid', componentAppId);
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
  return webAccessTokenOf(token);
}

function webAccessTokenOf(token: WeChatResponseBody): WebAccessToken {
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
  /** WeChat's authorization page for this account, coming back to `redirectUri` with `state`. */
  authorizeUrl(redirectUri: string, state: string, scope: OAuthScope): string;
  /** The authorization code WeChat handed the browser, for the user's web access token and openid. */
  exchangeCode(code: string): Promise<WebAccessToken>;
  /** The profile of the user a web access token was issued for (`snsapi_userinfo` only). */
  fetchUserInfo(token: WebAccessToken): Promise<UserProfile>;
}

export function createWebAuthorization(transport: ApiTransport, appId: string, appSecret: string): WebAuthorization {
  return {
    authorizeUrl: (redirectUri, state, scope) => authorizeUrl(appId, redirectUri, state, scope),
    exchangeCode: (code) => exchangeCode(transport, appId, appSecret, code),
    fetchUserInfo: (token) => fetchUserInfo(transport, token),
  };
}

/**
 * The web authorization of an account that authorised a third-party platform: the
 * platform's flow, with `component_appid` on the authorization page and the code
 * exchanged at `/sns/oauth2/component/access_token` with the component_access_token
 * (`callComponent` adds it, and retries once with a new one when WeChat refuses it).
 * https://developers.weixin.qq.com/doc/oplatform/Third-party_Platforms/2.0/api/Before_Develop/official_account_web_authorization.html
 */
export function createComponentWebAuthorization(
  transport: ApiTransport,
  appId: string,
  componentAppId: string,
  callComponent: (request: ApiRequest) => Promise<WeChatResponseBody>,
): WebAuthorization {
  return {
    authorizeUrl: (redirectUri, state, scope) => authorizeUrl(appId, redirectUri, state, scope, componentAppId),
    async exchangeCode(code) {
      const query = { appid: appId, code, grant_type: 'authorization_code', component_appid: componentAppId };
      return webAccessTokenOf(await callComponent({ method: 'GET', path: '/sns/oauth2/component/access_token', query }));
    },
    fetchUserInfo: (token) => fetchUserInfo(transport, token),
  };
}
