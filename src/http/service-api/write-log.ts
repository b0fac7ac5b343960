import type { Response } from 'express';
import type { Logger } from 'pino';
import { maskedOpenid } from '../../core/masked-openid.js';
import { callerKeyOf } from '../admin-auth.js';

/** What a write changed: the tag's id, the one user (masked when logged), how many users. */
export interface WriteDetails {
  readonly tag?: number;
  readonly openid?: string;
  readonly openids?: number;
}

/**
 * Logs one successful change to the account's users or tags at `info`: the route as
 * declared (`PUT /api/users/:openid/remark`, never the openid in its path), the caller's
 * key name, the tag's id, the user masked (`oAbC…wxYz`) or how many users. Never a
 * full openid, a remark, nor a secret.
 */
export function logWrite(logger: Logger, res: Response, route: string, details: WriteDetails = {}): void {
  const { tag, openid, openids } = details;
  logger.info(
    {
      route,
      caller: callerKeyOf(res),
      ...(tag === undefined ? {} : { tag }),
      ...(openid === undefined ? {} : { user: maskedOpenid(openid) }),
      ...(openids === undefined ? {} : { openids }),
    },
    'account changed',
  );
}
