import type { Logger } from 'pino';
import type { ApiConfig } from '../config.js';
import { AccessToken } from './access-token.js';
import { createApiClient, type ApiClient } from './client.js';
import { createApiTransport, type ApiTransport } from './http.js';
import type { TokenStore } from './token-store.js';

export interface WeChatApi {
  readonly client: ApiClient;
  readonly accessToken: AccessToken;
  /** Calls without the API access token (OAuth's own token endpoints). */
  readonly transport: ApiTransport;
  readonly appId: string;
  readonly appSecret: string;
}

export interface WeChatApiOptions {
  readonly store?: TokenStore;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** The outbound API, or undefined when WECHAT_APPID or WECHAT_APPSECRET is not set. */
export function createWeChatApi(config: ApiConfig, options: WeChatApiOptions = {}): WeChatApi | undefined {
  if (config.appId === undefined || config.appSecret === undefined) return undefined;
  const transport = createApiTransport(config.apiBase);
  const accessToken = new AccessToken({
    transport,
    appId: config.appId,
    appSecret: config.appSecret,
    mode: config.tokenMode,
    ...options,
  });
  return { client: createApiClient(transport, accessToken), accessToken, transport, appId: config.appId, appSecret: config.appSecret };
}
