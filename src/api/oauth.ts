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

/** WeChat's web-authorization page, where `/oauth` sends the browser. */
export function authorizeUrl(appId: string, redirectUri: string, state: string): string {
  const query = new URLSearchParams({ appid: appId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_userinfo', state });
  return `https://open.weixin.qq.com/connect/oauth2/authorize?${query.toString()}#wechat_redirect`;
}

/**
 * Exchanges an authorization code for the user's profile: the code for a web access
 * token (not the API access token), then the token for the profile.
 * https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/Wechat_webpage_authorization.html
 */
export async function fetchUserProfile(transport: ApiTransport, appId: string, appSecret: string, code: string): Promise<UserProfile> {
  const tokenPath = '/sns/oauth2/access_token';
  const token = checkResponseBody(
    await transport.send({
      method: 'GET',
      path: tokenPath,
      query: { appid: appId, secret: appSecret, code, grant_type: 'authorization_code' },
    }),
    tokenPath,
  );
  const profilePath = '/sns/userinfo';
  const profile = checkResponseBody(
    await transport.send({
      method: 'GET',
      path: profilePath,
      query: { access_token: String(token.access_token ?? ''), openid: String(token.openid ?? ''), lang: 'zh_CN' },
    }),
    profilePath,
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
