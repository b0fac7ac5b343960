import type { NextFunction, Request, Response } from 'express';
import type { AccountSet } from '../accounts/account-set.js';
import type { Metrics } from '../core/metrics.js';
import { UnknownAccountError } from '../core/errors.js';
import { queryParam } from './query-param.js';

/** The exposition without the samples of every account but `name` (series of no account stay). */
function onlyAccount(body: string, name: string): string {
  const mine = `account="${name}"`;
  return body
    .split('\n')
    .filter((line) => line.startsWith('#') || !line.includes('account="') || line.includes(mine))
    .join('\n');
}

/**
 * GET /metrics: the app's registry in Prometheus's text format, for a scraper. With
 * `?account=<name|appid>`, only that account's series (and those of no account).
 */
export function metricsRoute(source: Pick<Metrics, 'registry'>, accounts?: AccountSet) {
  return async function metrics(req: Request, res: Response, next: NextFunction): Promise<void> {
    const named = queryParam(req, 'account');
    const account = named === undefined || named === '' || accounts === undefined ? undefined : accounts.find(named);
    if (named !== undefined && named !== '' && account === undefined) throw new UnknownAccountError();
    let body: string;
    // Read here, not at start-up: the first scrape loads prom-client.
    const { registry } = source;
    try {
      body = await registry.metrics();
    } catch (error) {
      next(error);
      return;
    }
    if (account !== undefined) body = onlyAccount(body, account.name);
    // Set on the raw response: Express would reorder the content type's parameters.
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).end(body);
  };
}
