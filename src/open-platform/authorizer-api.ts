import type { Logger } from 'pino';
import type { MetricsRecorder } from '../core/metrics.js';
import type { AccessTokenSource } from '../wechat-api/access-token.js';
import { createApiClient } from '../wechat-api/client.js';
import type { WeChatApi } from '../wechat-api/create-api.js';
import { createJsapiTicket } from '../wechat-api/jsapi-ticket.js';
import { createComponentWebAuthorization } from '../wechat-api/oauth.js';
import type { TokenStore } from '../wechat-api/token-store.js';
import { createApiTransport } from '../wechat-api/transport.js';
import type { OpenPlatform } from './open-platform.js';

export interface AuthorizerApiOptions {
  /** WECHAT_API_BASE. */
  readonly apiBase: string;
  /** Where the account's jsapi ticket is kept (default: in this process). */
  readonly ticketStore?: TokenStore;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** The account's series: its calls are counted as its own. */
  readonly metrics?: MetricsRecorder;
}

/**
 * WeChat's API as an account that authorised the platform: the same client, jsapi
 * ticket and web authorization as an account with its AppSecret, on the authorizer
 * access token the platform keeps for it (a 40001 refreshes that token and retries once;
 * 61023 makes every call a ReauthorizationNeededError until it authorises again).
 */
export function createAuthorizerApi(platform: OpenPlatform, appId: string, options: AuthorizerApiOptions): WeChatApi {
  const { authorizers, componentToken, componentAppId } = platform;
  const transport = createApiTransport(options.apiBase, undefined, options.metrics);
  const accessToken: AccessTokenSource = {
    get: () => authorizers.get(appId),
    current: () => authorizers.current(appId),
    invalidate: (refused, answer) => authorizers.invalidate(appId, refused, answer),
  };
  const client = createApiClient(transport, accessToken);
  const jsapiTicket = createJsapiTicket({ client, store: options.ticketStore, now: options.now, logger: options.logger });
  const oauth = createComponentWebAuthorization(transport, appId, componentAppId, (request) => componentToken.call(request));
  return { client, accessToken, jsapiTicket, oauth, appId };
}
