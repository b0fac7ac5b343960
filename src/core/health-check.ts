/** Something whose health `/healthz` reports (Redis, when configured). */
export interface HealthCheck {
  readonly name: string;
  healthy(): boolean;
  /** Asks it now, within a bound (a Redis that stalls is down even while connected). */
  probe?(): Promise<boolean>;
}
