import type { Request } from 'express';
import { InputError } from '../core/errors.js';

/**
 * The query of an Express route, as Express's default ("simple") parser leaves it: each
 * name once as a string, or an array when it was repeated. The webhook, which skips
 * Express, reads its own with `read-query.ts`.
 */
function valueOf(req: Request, name: string): unknown {
  const query = req.query as Record<string, unknown>;
  return Object.hasOwn(query, name) ? query[name] : undefined;
}

/**
 * One query parameter of a route a person or a service calls: its value (the empty
 * string included), undefined when absent, and an InputError (400) naming it when it
 * was given more than once, rather than one of the values picked.
 */
export function queryParam(req: Request, name: string): string | undefined {
  const value = valueOf(req, name);
  if (value === undefined || typeof value === 'string') return value;
  throw new InputError(name, `${name}: given more than once, give it once`);
}

/**
 * One query parameter of a URL that WeChat builds (the OAuth callback): its value when
 * given once and not empty, undefined otherwise; a repeated one is as good as none.
 */
export function singleQueryParam(req: Request, name: string): string | undefined {
  const value = valueOf(req, name);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** True when the request's URL has no query parameter at all. */
export function hasNoQuery(req: Request): boolean {
  return Object.keys(req.query as object).length === 0;
}
