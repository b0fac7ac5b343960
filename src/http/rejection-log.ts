import type { Logger } from 'pino';

/** How often each kind of refusal is logged at most. */
export const REJECTION_LOG_INTERVAL_MS = 10_000;

export interface RejectionLogOptions {
  readonly intervalMs?: number;
  readonly now?: () => number;
}

/**
 * Logs the webhook's refusals: one line per reason per interval at most, carrying the
 * number of refusals left unlogged since the last one, so that a flood of bad requests
 * cannot fill the disk. Reasons are a fixed set of codes; nothing of the request is
 * logged (it is untrusted, and may carry secrets in a forged URL).
 */
export function createRejectionLog(logger: Logger, { intervalMs = REJECTION_LOG_INTERVAL_MS, now = Date.now }: RejectionLogOptions = {}) {
  const last = new Map<string, { at: number; suppressed: number }>();

  return function logRejection(reason: string, status: number, message: string, level: 'warn' | 'error' = 'warn'): void {
    const time = now();
    const seen = last.get(reason);
    if (seen !== undefined && time - seen.at < intervalMs) {
      seen.suppressed += 1;
      return;
    }
    last.set(reason, { at: time, suppressed: 0 });
    const suppressed = seen?.suppressed ?? 0;
    logger[level]({ reason, status, ...(suppressed > 0 && { suppressed }) }, message);
  };
}

export type RejectionLog = ReturnType<typeof createRejectionLog>;
