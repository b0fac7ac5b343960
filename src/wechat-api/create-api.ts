import type { Logger } from 'pino';
import type { ApiConfig } from '../core/config.js';
import type { MetricsRecorder } from '../core/metrics.js';
import { AccessToken } from './access-token.js';
import { createApiClient, type ApiClient } from './client.js';
import type { FreshCredential } from './fresh-credential.js';
import { createApiTransport, type ApiTransport } from './transport.js';
import { createJsapiTicket } from './jsapi-ticket.js';
import type { TokenStore } from './token-store.js';

export interface WeChatApi {
  readonly client: ApiClient;
  readonly accessToken: AccessToken;
  /** The JS-SDK's jsapi_ticket, kept like the access token. */
  readonly jsapiTicket: FreshCredential;
  /** Calls without the API access token (OAuth's own token endpoints). */
  readonly transport: ApiTransport;
  readonly appId: string;
  readonly appSecret: string;
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
export function createWeChatApi(config: ApiConfig, options: WeChatApiOptions = {}): WeChatApi | undefined {
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
  return { client, accessToken, jsapiTicket, transport, appId: config.appId, appSecret: config.appSecret };
}
