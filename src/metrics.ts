import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { HealthCheck } from './health-check.js';

/** What became of one POST to the webhook, as `/metrics` counts it. */
export type MessageOutcome = 'replied' | 'success' | 'retry' | 'deadline' | 'handler_error' | 'refused';
const OUTCOMES: readonly MessageOutcome[] = ['replied', 'success', 'retry', 'deadline', 'handler_error', 'refused'];

/** The `type` of a refused request: it is refused before, or regardless of, what it says. */
export const REFUSED_TYPE = 'none';
/** The `type` of a message this server does not know, and of any past the cap below. */
export const UNKNOWN_TYPE = 'unknown';
/** A transport failure (no answer, or no JSON) in place of an errcode. */
export const UNREACHABLE = 'unreachable';

/** Label values are capped, so that a caller's mistake cannot grow the series without bound. */
const MAX_TYPES = 100;
const MAX_PATHS = 100;
const MAX_ERRCODES_PER_PATH = 50;
const OTHER = 'other';
const PATH = /^\/[A-Za-z0-9_\-./]{1,200}$/;

/** Around WeChat's 5 s: fine below half a second, then every second up to the deadline. */
export const REPLY_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 4.5, 5];

/** What the layers record. Each takes this (or the part it uses) as a parameter. */
export interface MetricsRecorder {
  /** One POST answered or refused; `seconds`, the time to answer, unless refused. */
  countMessage(type: string, outcome: MessageOutcome, seconds?: number): void;
  /** One outbound call: its path without query, and its errcode (`'0'`, or UNREACHABLE). */
  countApiCall(path: string, errcode: string): void;
  /** A new access token fetched from WeChat. */
  countTokenRefresh(): void;
}

export interface Metrics extends MetricsRecorder {
  /** This app's own registry: `/metrics` serves it, and an application may add to it. */
  readonly registry: Registry;
}

export interface MetricsOptions {
  /** The Redis connection, whose health becomes `wechat_redis_up` (only with REDIS_URL). */
  readonly redis?: HealthCheck;
}

type OutcomeCounters = Readonly<Record<MessageOutcome, Counter.Internal>>;

/**
 * The series of `/metrics`, in a registry of their own (never prom-client's global one:
 * several apps may live in one process). The hot path only increments label children
 * resolved once per message type, and observes the histogram once.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const messages = new Counter({
    name: 'wechat_messages_total',
    help: 'POSTs to the webhook, by message type and what became of them',
    labelNames: ['type', 'outcome'],
    registers: [registry],
  });
  const replySeconds = new Histogram({
    name: 'wechat_reply_seconds',
    help: "Time to answer WeChat's POST, refusals excepted",
    buckets: REPLY_SECONDS_BUCKETS,
    registers: [registry],
  });
  const apiCalls = new Counter({
    name: 'wechat_api_calls_total',
    help: "Calls to WeChat's API, by path and errcode (0: success; unreachable: no JSON answer)",
    labelNames: ['path', 'errcode'],
    registers: [registry],
  });
  const tokenRefreshes = new Counter({
    name: 'wechat_token_refreshes_total',
    help: 'New access tokens fetched from WeChat, the first included',
    registers: [registry],
  });
  const { redis } = options;
  if (redis !== undefined) {
    new Gauge({
      name: 'wechat_redis_up',
      help: '1 while the Redis connection is ready, else 0',
      registers: [registry],
      collect() {
        this.set(redis.healthy() ? 1 : 0);
      },
    });
  }

  const byType = new Map<string, OutcomeCounters>();
  /** A type's counters, made (at zero, so that rate() sees the first one) when first seen. */
  function countersOf(type: string): OutcomeCounters {
    const known = byType.get(type);
    if (known !== undefined) return known;
    if (byType.size >= MAX_TYPES && type !== UNKNOWN_TYPE) return countersOf(UNKNOWN_TYPE);
    const row = {} as Record<MessageOutcome, Counter.Internal>;
    for (const outcome of OUTCOMES) {
      row[outcome] = messages.labels(type, outcome);
      if (outcome !== 'refused') row[outcome].inc(0);
    }
    byType.set(type, row);
    return row;
  }
  countersOf(REFUSED_TYPE).refused.inc(0);

  const byPath = new Map<string, Map<string, Counter.Internal>>();
  function apiCounter(rawPath: string, rawErrcode: string): Counter.Internal {
    const mark = rawPath.indexOf('?');
    let path = mark === -1 ? rawPath : rawPath.slice(0, mark);
    if (!PATH.test(path) || (byPath.size >= MAX_PATHS && !byPath.has(path))) path = OTHER;
    let codes = byPath.get(path);
    if (codes === undefined) byPath.set(path, (codes = new Map()));
    let counter = codes.get(rawErrcode);
    if (counter === undefined) {
      const errcode = codes.size >= MAX_ERRCODES_PER_PATH || !/^(-?\d{1,10}|unreachable)$/.test(rawErrcode) ? OTHER : rawErrcode;
      counter = codes.get(errcode) ?? apiCalls.labels(path, errcode);
      codes.set(errcode, counter);
    }
    return counter;
  }

  return {
    registry,
    countMessage(type, outcome, seconds) {
      countersOf(type)[outcome].inc();
      if (seconds !== undefined) replySeconds.observe(seconds);
    },
    countApiCall(path, errcode) {
      apiCounter(path, errcode).inc();
    },
    countTokenRefresh() {
      tokenRefreshes.inc();
    },
  };
}
