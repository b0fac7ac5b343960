import type { Logger } from 'pino';
import { createLogRateLimit, LOG_INTERVAL_MS, type LogRateLimitOptions } from './log-rate-limit.js';

/** How often each kind of refusal is logged at most. */
export const REJECTION_LOG_INTERVAL_MS = LOG_INTERVAL_MS;

export type RejectionLogOptions = LogRateLimitOptions;

/**
 * Logs the webhook's refusals: one line per reason per interval at most, carrying the
 * number of refusals left unlogged since the last one, so that a flood of bad requests
 * cannot fill the disk. Reasons are a fixed set of codes; nothing of the request is
 * logged (it is untrusted, and may carry secrets in a forged URL).
 */
export function createRejectionLog(logger: Logger, options: RejectionLogOptions = {}) {
  const admit = createLogRateLimit(options);

  return function logRejection(reason: string, status: number, message: string, level: 'warn' | 'error' = 'warn'): void {
    const suppressed = admit(reason);
    if (suppressed === undefined) return;
    logger[level]({ reason, status, ...(suppressed > 0 && { suppressed }) }, message);
  };
}

export type RejectionLog = ReturnType<typeof createRejectionLog>;
