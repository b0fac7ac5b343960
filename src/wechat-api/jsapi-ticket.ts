import type { Logger } from 'pino';
import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';
import { FreshCredential } from './fresh-credential.js';
import type { TokenStore } from './token-store.js';

export const JSAPI_TICKET_PATH = '/cgi-bin/ticket/getticket';

export interface JsapiTicketOptions {
  /** The API client: a ticket refused for its token refreshes the token and asks once more. */
  readonly client: ApiClient;
  readonly store?: TokenStore;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/**
 * The JS-SDK's jsapi_ticket, kept fresh exactly like the access token (one fetch for
 * every caller and, with Redis, every instance).
 * https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html#62
 */
export function createJsapiTicket({ client, store, now, logger }: JsapiTicketOptions): FreshCredential {
  return new FreshCredential({
    name: 'jsapi ticket',
    store,
    now,
    logger,
    async fetch() {
      const answer = await client.call({ method: 'GET', path: JSAPI_TICKET_PATH, query: { type: 'jsapi' } });
      const value = answer.ticket;
      const expiresIn = Number(answer.expires_in);
      if (typeof value !== 'string' || value === '' || !(expiresIn > 0)) {
        throw new WeChatApiError(-1, 'the answer has no ticket or expires_in', JSAPI_TICKET_PATH);
      }
      return { value, expiresIn };
    },
  });
}
