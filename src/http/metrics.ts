import type { NextFunction, Request, Response } from 'express';
import type { AccountSet } from '../accounts/account-set.js';
import type { Metrics } from '../core/metrics.js';
import { InputError, UnknownAccountError } from '../core/errors.js';
import { queryParam } from './query-param.js';

/** The label's place in a sample line: first (`{account=`) or after another (`,account=`). */
const ACCOUNT_LABEL = /[{,]account="([^"]*)"/;

/** The exposition without the samples of every account but `name` (series of no account stay). */
function onlyAccount(body: string, name: string): string {
  return body
    .split('\n')
    .filter((line) => {
      if (line.startsWith('#')) return true;
      const label = ACCOUNT_LABEL.exec(line);
      return label === null || label[1] === name;
    })
    .join('\n');
}

/**
 * GET /metrics: the app's registry in Prometheus's text format, for a scraper. With
 * `?account=<name|appid>`, only that account's series (and those of no account).
 */
export function metricsRoute(source: Pick<Metrics, 'registry' | 'labelsAccounts'>, accounts?: AccountSet) {
  return async function metrics(req: Request, res: Response, next: NextFunction): Promise<void> {
    const named = queryParam(req, 'account');
    const account = named === undefined || named === '' || accounts === undefined ? undefined : accounts.find(named);
    if (named !== undefined && named !== '' && account === undefined) throw new UnknownAccountError();
    // Unlabelled series are every account's at once: one account's cannot be told apart.
    if (account !== undefined && !source.labelsAccounts && accounts !== undefined && accounts.all().length > 1) {
      throw new InputError(
        'account',
        'account: the series carry no account label (METRICS_ACCOUNT_LABEL=none), so they cannot be filtered',
      );
    }
    let body: string;
    // Read here, not at start-up: the first scrape loads prom-client.
    const { registry } = source;
    try {
      body = await registry.metrics();
    } catch (error) {
      next(error);
      return;
    }
    if (account !== undefined && source.labelsAccounts) body = onlyAccount(body, account.name);
    // Set on the raw response: Express would reorder the content type's parameters.
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).end(body);
  };
}
