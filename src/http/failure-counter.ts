import { ExpiringMap } from '../core/expiring-map.js';

/** Clients whose failures are remembered at once; past this the oldest is forgotten. */
const TRACKED_CLIENTS = 10_000;

export interface FailureCounterOptions {
  /** Failures one client may make in a window before it must wait the window out. */
  readonly maxFailures: number;
  readonly windowMs: number;
  readonly now?: () => number;
}

/**
 * Failed sign-ins per client address (the admin guard's, the console's): a window opens
 * at a client's first failure; once it holds `maxFailures`, the client waits until the
 * window ends, whatever it presents, so that guessing costs a window per `maxFailures`
 * tries while every other client signs in at once.
 */
export interface FailureCounter {
  /** Milliseconds `client` must still wait (0: it may try). */
  waitFor(client: string): number;
  /** One more failure of `client`. */
  count(client: string): void;
}

export function createFailureCounter({ maxFailures, windowMs, now = Date.now }: FailureCounterOptions): FailureCounter {
  const failures = new ExpiringMap<string, { count: number; readonly since: number }>({ max: TRACKED_CLIENTS, now });
  return {
    waitFor(client) {
      const record = failures.get(client);
      return record !== undefined && record.count >= maxFailures ? Math.max(0, record.since + windowMs - now()) : 0;
    },
    count(client) {
      const time = now();
      const record = failures.get(client);
      if (record !== undefined) record.count += 1;
      else failures.set(client, { count: 1, since: time }, time + windowMs);
    },
  };
}
