import type { NextFunction, Request, Response } from 'express';
import type { Metrics } from '../core/metrics.js';

/** GET /metrics: the app's registry in Prometheus's text format, for a scraper. */
export function metricsRoute(source: Pick<Metrics, 'registry'>) {
  return async function metrics(_req: Request, res: Response, next: NextFunction): Promise<void> {
    let body: string;
    // Read here, not at start-up: the first scrape loads prom-client.
    const { registry } = source;
    try {
      body = await registry.metrics();
    } catch (error) {
      next(error);
      return;
    }
    // Set on the raw response: Express would reorder the content type's parameters.
    res.setHeader('Content-Type', registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.status(200).end(body);
  };
}
