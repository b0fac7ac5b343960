import type { Logger } from 'pino';
import type { ApiConfig } from '../core/config.js';
import type { MetricsRecorder } from '../core/metrics.js';
import { AccessToken, type AccessTokenSource } from './access-token.js';
import { createApiClient, type ApiClient } from './client.js';
import type { FreshCredential } from './fresh-credential.js';
import { createApiTransport } from './transport.js';
import { createWebAuthorization, type WebAuthorization } from './oauth.js';
import { createJsapiTicket } from './jsapi-ticket.js';
import type { TokenStore } from './token-store.js';

export interface WeChatApi {
  readonly client: ApiClient;
  /** The account's access token: on its AppSecret, or the open platform's authorizer token. */
  readonly accessToken: AccessTokenSource;
  /** The JS-SDK's jsapi_ticket, kept like the access token. */
  readonly jsapiTicket: FreshCredential;
  /** Web authorization's calls, which go without the API access token. */
  readonly oauth: WebAuthorization;
  readonly appId: string;
}

export interface WeChatApiOptions {
  readonly store?: TokenStore;
  /** Where the jsapi ticket is kept (default: in this process). */
  readonly ticketStore?: TokenStore;
  readonly now?: () => number;
  readonly logger?: Logger;
  /** Counts the calls and the token refreshes (`/metrics`). */
  readonly metrics?: MetricsRecorder;
}

/** The outbound API, or undefined when WECHAT_APPID or WECHAT_APPSECRET is not set. */
export function createWeChatApi(
  config: Pick<ApiConfig, 'appId' | 'appSecret' | 'apiBase' | 'tokenMode'>,
  options: WeChatApiOptions = {},
): WeChatApi | undefined {
  if (config.appId === undefined || config.appSecret === undefined) return undefined;
  const { store, ticketStore, now, logger, metrics } = options;
  const transport = createApiTransport(config.apiBase, undefined, metrics);
  const accessToken = new AccessToken({
    transport,
    appId: config.appId,
    appSecret: config.appSecret,
    mode: config.tokenMode,
    store,
    now,
    logger,
    metrics,
  });
  const client = createApiClient(transport, accessToken);
  const jsapiTicket = createJsapiTicket({ client, store: ticketStore, now, logger });
  const oauth = createWebAuthorization(transport, config.appId, config.appSecret);
  return { client, accessToken, jsapiTicket, oauth, appId: config.appId };
}
