import type { Logger } from 'pino';
import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';

/** WeChat's answers to typing that change nothing: too frequent (45080), or the user cannot be shown it now (45081). */
const QUIET_ERRCODES: ReadonlySet<number> = new Set([45080, 45081]);
/** The account may not use the API (no permission): typing stays off for it. */
const NOT_PERMITTED = 48001;

/**
 * Shows a user "对方正在输入…" (`message/custom/typing`, `Typing`) while a slow handler
 * works. Never throws: 45080 and 45081 are ignored quietly; 48001 turns typing off for
 * the account until restart, logged once; another failure is logged.
 */
export function createTyping(client: ApiClient, logger: Logger): (openid: string) => void {
  let permitted = true;
  return function showTyping(openid) {
    if (!permitted) return;
    client
      .call({ method: 'POST', path: '/cgi-bin/message/custom/typing', body: { touser: openid, command: 'Typing' } })
      .catch((error: unknown) => {
        if (error instanceof WeChatApiError && QUIET_ERRCODES.has(error.errcode)) return;
        if (error instanceof WeChatApiError && error.errcode === NOT_PERMITTED) {
          if (permitted)
            logger.warn({ errcode: NOT_PERMITTED }, 'the account may not send typing (errcode 48001): typing is off until restart');
          permitted = false;
          return;
        }
        logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'typing could not be sent');
      });
  };
}
