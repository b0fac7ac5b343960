import type { Request, Response } from 'express';

/** Something whose health `/healthz` reports (Redis, when configured). */
export interface HealthCheck {
  readonly name: string;
  healthy(): boolean;
  /** Asks it now, within a bound (a Redis that stalls is down even while connected). */
  probe?(): Promise<boolean>;
}

/** GET /healthz: 200 `{ "status": "ok" }`, or 503 naming what is down. */
export function healthRoute(checks: readonly HealthCheck[]) {
  return async function health(_req: Request, res: Response): Promise<void> {
    const up = await Promise.all(checks.map((check) => (check.probe === undefined ? check.healthy() : check.probe())));
    const down = checks.filter((_, i) => !up[i]).map((check) => check.name);
    res.set('Cache-Control', 'no-store');
    if (down.length === 0) res.status(200).json({ status: 'ok' });
    else res.status(503).json({ status: 'degraded', down });
  };
}
