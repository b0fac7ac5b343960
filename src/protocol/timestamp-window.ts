/**
 * True when a request's `timestamp` (Unix seconds, as WeChat sends it) is an integer
 * within `maxAgeS` of `nowMs`, either way. A `maxAgeS` of 0 turns the check off.
 */
export function withinWindow(timestamp: string, maxAgeS: number, nowMs: number): boolean {
  if (maxAgeS === 0) return true;
  if (!/^\d{1,12}$/.test(timestamp)) return false;
  return Math.abs(Number(timestamp) - nowMs / 1000) <= maxAgeS;
}

/**
 * Until when (ms) a signature must be remembered: as long as its timestamp is accepted,
 * and at least `minimumMs` (WeChat's retries) when the window is off.
 */
export function rememberUntil(timestamp: string, maxAgeS: number, nowMs: number, minimumMs: number): number {
  const acceptedUntil = maxAgeS === 0 ? 0 : (Number(timestamp) + maxAgeS) * 1000 + 1000;
  return Math.max(acceptedUntil, nowMs + minimumMs);
}
