import { createHash } from 'node:crypto';

/**
 * A mass send's `clientmsgid`, WeChat's guard against sending the same thing twice (it
 * answers 45065 for one it has seen): the first 64 hex characters of SHA-256 over the
 * AppID, the content's hash and the audience, so that the same content to the same
 * audience always has the same id. `repeat` (from `--again`) counts deliberate repeats:
 * 0 for the first send; `part` numbers the batches of an openids list beyond the first.
 */
export function clientMsgIdOf(appId: string, contentKey: string, audience: string, repeat = 0, part = 0): string {
  const hash = createHash('sha256').update(appId).update('\n').update(contentKey).update('\n').update(audience);
  if (repeat > 0) hash.update(`\nagain:${repeat}`);
  if (part > 0) hash.update(`\npart:${part}`);
  return hash.digest('hex').slice(0, 64);
}
