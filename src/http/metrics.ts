import type { NextFunction, Request, Response } from 'express';
import type { Registry } from 'prom-client';

/** GET /metrics: the app's registry in Prometheus's text format, for a scraper. */
export function metricsRoute(registry: Registry) {
  return async function metrics(_req: Request, res: Response, next: NextFunction): Promise<void> {
    let body: string;
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
