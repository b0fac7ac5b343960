import { InputError } from '../core/errors.js';

/** Long enough for any page's path and query; short enough for the state cookie. */
export const MAX_NEXT_CHARS = 1024;

const MUST = 'next: must be a path on this site, such as /shop?item=1';

/**
 * `next` as given, when a browser resolving it against `origin` stays on `origin`:
 * one `/`, then anything but a second `/` or `\` (which make `//evil.com` and
 * `/\evil.com` another host); no backslash, control character, tab or newline anywhere
 * (a browser drops tabs and newlines, so `/\t/evil.com` becomes `//evil.com`). The
 * value is kept as given, never normalised: `/.//evil.com` normalised is `//evil.com`.
 */
export function checkNextPath(next: string, origin: string): string {
  if (next.length > MAX_NEXT_CHARS) throw new InputError('next', `next: longer than ${MAX_NEXT_CHARS} characters`);
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  if (!/^\/(?![/\\])[^\\\u0000-\u001f\u007f-\u009f]*$/.test(next)) throw new InputError('next', MUST);
  let resolved: URL;
  try {
    resolved = new URL(next, origin);
  } catch {
    throw new InputError('next', MUST);
  }
  if (resolved.origin !== new URL(origin).origin) throw new InputError('next', MUST);
  return next;
}
