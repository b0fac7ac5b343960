import type { Request, Response } from 'express';

/** Something whose health `/healthz` reports (Redis, when configured). */
export interface HealthCheck {
  readonly name: string;
  healthy(): boolean;
}

/** GET /healthz: 200 `{ "status": "ok" }`, or 503 naming what is down. */
export function healthRoute(checks: readonly HealthCheck[]) {
  return function health(_req: Request, res: Response): void {
    const down = checks.filter((check) => !check.healthy()).map((check) => check.name);
    res.set('Cache-Control', 'no-store');
    if (down.length === 0) res.status(200).json({ status: 'ok' });
    else res.status(503).json({ status: 'degraded', down });
  };
}
