import type { Response } from 'express';
import type { Logger } from 'pino';
import { maskedOpenid } from '../../core/masked-openid.js';
import { callerKeyOf } from '../admin-auth.js';

/**
 * Logs one successful send at `info`: the route, the recipient masked (`oAbC…wxYz`), the
 * caller's key name and WeChat's counts or ids (`msgid`, `sent`). Never the message's
 * content, the full openid or a secret.
 */
export function logSent(
  logger: Logger,
  res: Response,
  route: string,
  touser: string,
  details: Readonly<Record<string, number>> = {},
): void {
  logger.info({ route, to: maskedOpenid(touser), caller: callerKeyOf(res), ...details }, 'message sent');
}
