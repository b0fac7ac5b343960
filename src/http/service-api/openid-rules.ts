import type { Request } from 'express';
import { InputError } from '../../core/errors.js';
import { queryParam } from '../query-param.js';
import { loadZod } from './read-json.js';

/** What an openid is to every /api route (the send bodies, the users, tags, remarks and the blacklist). */
export const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const OPENID_RULE = 'an openid (1 to 64 letters, digits, _ or -)';

/** The openid in the route's path, or an InputError naming it. */
export function openidParam(req: Request): string {
  const openid = String(req.params.openid);
  if (!OPENID.test(openid)) throw new InputError('openid', `openid: ${OPENID_RULE}`);
  return openid;
}

/** Where a page starts (`next_openid`, `begin_openid`): undefined or empty for the first page. */
export function cursorParam(req: Request, name: string): string | undefined {
  const value = queryParam(req, name);
  if (value !== undefined && value !== '' && !OPENID.test(value)) throw new InputError(name, `${name}: ${OPENID_RULE}`);
  return value === '' ? undefined : value;
}

/**
 * A list of 1 to `max` openids, each once. A repeated openid is refused (naming the
 * second), not dropped: the caller's list is what WeChat gets, and the limit is counted
 * on it as sent.
 */
export function openidList(max: number) {
  const z = loadZod();
  return z
    .array(z.string().regex(OPENID, OPENID_RULE))
    .min(1, 'at least 1 openid')
    .max(max, `at most ${max} openids a call`)
    .superRefine((openids, context) => {
      const seen = new Map<string, number>();
      for (const [index, openid] of openids.entries()) {
        const first = seen.get(openid);
        if (first !== undefined) context.addIssue({ code: 'custom', path: [index], message: `the same openid as openids.${first}` });
        seen.set(openid, first ?? index);
      }
    });
}
