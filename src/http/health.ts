import type { Request, Response } from 'express';
import type { HealthCheck } from '../core/health-check.js';

/**
 * GET /livez: 200 whenever this process can answer messages, which it does with Redis
 * down too. For a load balancer: it asks nothing of Redis or WeChat, so an outage of
 * theirs never takes every instance out of rotation at once.
 */
export function livenessRoute() {
  return function live(_req: Request, res: Response): void {
    res.set('Cache-Control', 'no-store');
    res.status(200).json({ status: 'ok' });
  };
}

/** GET /healthz: 200 `{ "status": "ok" }`, or 503 naming what is down. For alerts. */
export function healthRoute(checks: readonly HealthCheck[]) {
  return async function health(_req: Request, res: Response): Promise<void> {
    const up = await Promise.all(checks.map((check) => (check.probe === undefined ? check.healthy() : check.probe())));
    const down = checks.filter((_, i) => !up[i]).map((check) => check.name);
    res.set('Cache-Control', 'no-store');
    if (down.length === 0) res.status(200).json({ status: 'ok' });
    else res.status(503).json({ status: 'degraded', down });
  };
}
