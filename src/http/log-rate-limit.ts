/** How often one kind of line is written at most. */
export const LOG_INTERVAL_MS = 10_000;
/** Kinds remembered at most: they are a fixed set of codes, this only bounds a surprise. */
const MAX_KINDS = 256;

export interface LogRateLimitOptions {
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/**
 * Decides whether a line of some kind is written: the first of each kind in an interval
 * is, the rest are held back. Answers the number of lines held back since the last one
 * written (to log with it), or undefined when this one is held back; so that a flood of
 * requests failing alike cannot fill the disk.
 */
export type LogRateLimit = (kind: string) => number | undefined;

export function createLogRateLimit({ intervalMs = LOG_INTERVAL_MS, now = Date.now }: LogRateLimitOptions = {}): LogRateLimit {
  const last = new Map<string, { at: number; suppressed: number }>();
  return function admit(kind) {
    const time = now();
    const seen = last.get(kind);
    if (seen !== undefined && time - seen.at < intervalMs) {
      seen.suppressed += 1;
      return undefined;
    }
    if (seen === undefined && last.size >= MAX_KINDS) last.clear();
    last.set(kind, { at: time, suppressed: 0 });
    return seen?.suppressed ?? 0;
  };
}
