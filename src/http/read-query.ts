import { parse } from 'node:querystring';

/** A request's query: each parameter once, as a string; repeated or empty ones left out. */
export type Query = ReadonlyMap<string, string>;

/**
 * Reads the query of a request URL without a framework (the webhook's hot path skips
 * Express). A parameter given twice is ambiguous and counts as absent.
 */
export function readQuery(url: string | undefined): Query {
  const query = new Map<string, string>();
  const mark = url?.indexOf('?') ?? -1;
  if (url === undefined || mark === -1) return query;
  for (const [name, value] of Object.entries(parse(url.slice(mark + 1)))) {
    if (typeof value === 'string' && value !== '') query.set(name, value);
  }
  return query;
}
