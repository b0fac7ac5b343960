import type * as PromClient from 'prom-client';
import type { Registry } from 'prom-client';
import type { HealthCheck } from './health-check.js';
import { lazyRequire } from './lazy-require.js';
import type { Outcome } from './outcome.js';

/** prom-client and its dependencies: about 13 MiB resident, loaded by the first scrape. */
const loadPromClient = lazyRequire<typeof PromClient>('prom-client');

/** The label values of `wechat_messages_total{outcome}`: what WeChat got. */
const OUTCOMES = ['replied', 'success', 'retry', 'deadline', 'handler_error', 'refused'] as const;

/**
 * Where each outcome is counted (an index into OUTCOMES). A long text and a late reply
 * both leave as customer-service messages, but only the late one is a deadline; a
 * repeated signature is a retry whose answer is forgotten; a failing retry store, like
 * a failing handler, answers `success` unhandled.
 */
const COUNTED_AS: Readonly<Record<Outcome, number>> = {
  reply: 0,
  'no-reply': 1,
  'long-text': 1,
  retry: 2,
  repeated: 2,
  deadline: 3,
  'handler-error': 4,
  'store-error': 4,
  'internal-error': 4,
  refused: 5,
};

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
const REPLY_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 4, 4.5, 5];

/** What the layers record. Each takes this (or the part it uses) as a parameter. */
export interface MetricsRecorder {
  /** One POST answered or refused; `seconds`, the time to answer, unless refused. */
  countMessage(type: string, outcome: Outcome, seconds?: number): void;
  /** One outbound call: its path without query, and its errcode (`'0'`, or UNREACHABLE). */
  countApiCall(path: string, errcode: string): void;
  /** A new access token fetched from WeChat. */
  countTokenRefresh(): void;
}

export interface Metrics {
  /**
   * This app's own registry: `/metrics` serves it, and an application may add to it.
   * Made, with prom-client loaded, when first read.
   */
  readonly registry: Registry;
  /**
   * The recorder of one account's series, made when first asked for: its counts are its
   * own, labelled `account="<name>"`, when the metrics label accounts; otherwise every
   * account counts in the one unlabelled set of series.
   */
  forAccount(name: string): MetricsRecorder;
  /** Stops serving an account's series (an account removed while running); nothing when unlabelled. */
  dropAccount(name: string): void;
  /** Whether the series carry `account`, so that `/metrics?account=` can keep one account's. */
  readonly labelsAccounts: boolean;
  /**
   * An account's counts so far, summed over types and paths, for the console's overview;
   * without the label, the one set every account counts in.
   */
  totalsOf(name: string): MetricTotals;
  /**
   * Serves the third-party platform's gauges: how many accounts authorised it, and each
   * one marked as needing re-authorisation (61023), read from its state at each scrape.
   */
  watchOpenPlatform(source: OpenPlatformGauges): void;
}

/** What the platform's gauges read at each scrape. */
export interface OpenPlatformGauges {
  authorizers(): Promise<readonly string[]>;
  needingReauthorization(): Promise<readonly string[]>;
}

/** What an account's counters add up to, from the start of the process. */
export interface MetricTotals {
  /** Messages by the `outcome` label of `wechat_messages_total`. */
  readonly messages: Readonly<Record<string, number>>;
  /** Calls to WeChat's API by errcode (`0`, `40001`, `unreachable`, …), every path together. */
  readonly apiCalls: Readonly<Record<string, number>>;
  readonly tokenRefreshes: number;
}

export interface MetricsOptions {
  /** The Redis connection, whose health becomes `wechat_redis_up` (only with REDIS_URL). */
  readonly redis?: HealthCheck;
  /**
   * Whether each account's series carry `account="<name>"`: with ACCOUNTS_FILE, unless
   * METRICS_ACCOUNT_LABEL=none. One account configured as in part one keeps its
   * series as they were, unlabelled.
   */
  readonly accountLabel?: boolean;
}

/** One sample as prom-client's registry formats it. */
interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

/**
 * A series family the registry formats, whose values come from plain numbers counted
 * on the hot path. The registry reads `name`, `help`, `type` and `aggregator`, and calls
 * `get()` to scrape and `reset()` from `resetMetrics()`: a counter never goes back.
 */
interface PlainFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'histogram';
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: Sample[] }>;
  reset(): void;
}

function plainFamily(name: string, help: string, type: PlainFamily['type'], values: () => Sample[]): PlainFamily {
  return {
    name,
    help,
    type,
    aggregator: 'sum',
    get: () => Promise.resolve({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => undefined,
  };
}

/**
 * prom-client's CPU counters count from their registration, here the first scrape: they
 * are given the time spent before it, so that they cover the process, as they did when
 * registered at start-up.
 */
function countCpuSinceProcessStart(registry: Registry, { user, system }: NodeJS.CpuUsage): void {
  const add = (name: string, micros: number): void => {
    const counter = registry.getSingleMetric(name);
    if (counter !== undefined && 'inc' in counter) counter.inc(micros / 1e6);
  };
  add('process_cpu_user_seconds_total', user);
  add('process_cpu_system_seconds_total', system);
  add('process_cpu_seconds_total', user + system);
}

/** A counter cell, shared by every raw errcode that maps to one label value. */
interface Tally {
  value: number;
}

/** One account's counts: plain numbers, added to on the hot path. */
interface AccountCounts extends MetricsRecorder {
  totals(): MetricTotals;
  messageSamples(labels: Labels): Sample[];
  replySamples(labels: Labels): Sample[];
  apiSamples(labels: Labels): Sample[];
  tokenSamples(labels: Labels): Sample[];
}

type Labels = Readonly<Record<string, string>>;

function createAccountCounts(): AccountCounts {
  /** Per message type, one count per label of OUTCOMES (COUNTED_AS). */
  const byType = new Map<string, Float64Array>();
  /** A type's counts, made (at zero, so that rate() sees the first one) when first seen. */
  function countsOf(type: string): Float64Array {
    const known = byType.get(type);
    if (known !== undefined) return known;
    if (byType.size >= MAX_TYPES && type !== UNKNOWN_TYPE) return countsOf(UNKNOWN_TYPE);
    const row = new Float64Array(OUTCOMES.length);
    byType.set(type, row);
    return row;
  }
  countsOf(REFUSED_TYPE);

  /** Answers per bucket (not cumulative), the last one past every bound. */
  const replyBuckets = new Float64Array(REPLY_SECONDS_BUCKETS.length + 1);
  let replySum = 0;
  let replyCount = 0;

  const byPath = new Map<string, Map<string, Tally>>();
  function apiTally(rawPath: string, rawErrcode: string): Tally {
    const mark = rawPath.indexOf('?');
    let path = mark === -1 ? rawPath : rawPath.slice(0, mark);
    if (!PATH.test(path) || (byPath.size >= MAX_PATHS && !byPath.has(path))) path = OTHER;
    let codes = byPath.get(path);
    if (codes === undefined) byPath.set(path, (codes = new Map()));
    let tally = codes.get(rawErrcode);
    if (tally === undefined) {
      const errcode = codes.size >= MAX_ERRCODES_PER_PATH || !/^(-?\d{1,10}|unreachable)$/.test(rawErrcode) ? OTHER : rawErrcode;
      tally = codes.get(errcode) ?? { value: 0 };
      codes.set(errcode, tally);
    }
    return tally;
  }
  let tokenRefreshes = 0;

  return {
    countMessage(type, outcome, seconds) {
      const row = byType.get(type) ?? countsOf(type);
      const index = COUNTED_AS[outcome];
      row[index] = (row[index] ?? 0) + 1;
      if (seconds === undefined) return;
      let bucket = 0;
      while (bucket < REPLY_SECONDS_BUCKETS.length && seconds > (REPLY_SECONDS_BUCKETS[bucket] ?? Infinity)) bucket += 1;
      replyBuckets[bucket] = (replyBuckets[bucket] ?? 0) + 1;
      replySum += seconds;
      replyCount += 1;
    },
    countApiCall(path, errcode) {
      apiTally(path, errcode).value += 1;
    },
    countTokenRefresh() {
      tokenRefreshes += 1;
    },
    totals() {
      const messages: Record<string, number> = {};
      for (const row of byType.values()) {
        for (const [index, outcome] of OUTCOMES.entries()) messages[outcome] = (messages[outcome] ?? 0) + (row[index] ?? 0);
      }
      const apiCalls: Record<string, number> = {};
      for (const codes of byPath.values()) {
        for (const [errcode, tally] of codes) apiCalls[errcode] = (apiCalls[errcode] ?? 0) + tally.value;
      }
      return { messages, apiCalls, tokenRefreshes };
    },
    messageSamples(labels) {
      const samples: Sample[] = [];
      for (const [type, row] of byType) {
        for (const [index, outcome] of OUTCOMES.entries()) {
          const value = row[index] ?? 0;
          // A refusal has type "none"; another type's refused series appears only if counted.
          if (outcome === 'refused' && type !== REFUSED_TYPE && value === 0) continue;
          samples.push({ value, labels: { ...labels, type, outcome } });
        }
      }
      return samples;
    },
    replySamples(labels) {
      const samples: Sample[] = [];
      let cumulative = 0;
      REPLY_SECONDS_BUCKETS.forEach((le, index) => {
        cumulative += replyBuckets[index] ?? 0;
        samples.push({ value: cumulative, labels: { ...labels, le }, metricName: 'wechat_reply_seconds_bucket' });
      });
      samples.push({ value: replyCount, labels: { ...labels, le: '+Inf' }, metricName: 'wechat_reply_seconds_bucket' });
      samples.push({ value: replySum, labels, metricName: 'wechat_reply_seconds_sum' });
      samples.push({ value: replyCount, labels, metricName: 'wechat_reply_seconds_count' });
      return samples;
    },
    apiSamples(labels) {
      const samples: Sample[] = [];
      for (const [path, codes] of byPath) {
        for (const [errcode, tally] of codes) samples.push({ value: tally.value, labels: { ...labels, path, errcode } });
      }
      return samples;
    },
    tokenSamples(labels) {
      return [{ value: tokenRefreshes, labels }];
    },
  };
}

/**
 * The series of `/metrics`, in a registry of their own (never prom-client's global one:
 * several apps may live in one process). The hot path adds to plain numbers, counted
 * from the start, each account in its own; prom-client only formats them, and is loaded
 * by the first scrape (or the first read of `registry`), with Node's default metrics.
 */
export function createMetrics(options: MetricsOptions = {}): Metrics {
  const accounts = new Map<string, AccountCounts>();
  const labelled = options.accountLabel ?? false;
  /** Without the label, one set of series for every account: two unlabelled sets would repeat each series. */
  const unlabelled = labelled ? undefined : createAccountCounts();
  if (unlabelled !== undefined) accounts.set('', unlabelled);
  const samplesOf = (pick: (counts: AccountCounts, labels: Labels) => Sample[]) => (): Sample[] => {
    const samples: Sample[] = [];
    for (const [account, counts] of accounts) samples.push(...pick(counts, labelled ? { account } : {}));
    return samples;
  };

  let registry: Registry | undefined;
  let openPlatform: OpenPlatformGauges | undefined;
  function openPlatformGauges(made: Registry, source: OpenPlatformGauges): void {
    const { Gauge } = loadPromClient();
    new Gauge({
      name: 'wechat_open_authorizers',
      help: 'Accounts that authorised the third-party platform',
      registers: [made],
      async collect() {
        this.set((await source.authorizers().catch(() => [])).length);
      },
    });
    new Gauge({
      name: 'wechat_open_reauthorization_needed',
      help: 'An account whose refresh token WeChat refused (61023): it must authorise the platform again',
      labelNames: ['account'],
      registers: [made],
      async collect() {
        this.reset();
        for (const account of await source.needingReauthorization().catch(() => [])) this.set({ account }, 1);
      },
    });
  }
  function makeRegistry(): Registry {
    const { Gauge, Registry, collectDefaultMetrics } = loadPromClient();
    const made = new Registry();
    const cpuBefore = process.cpuUsage();
    collectDefaultMetrics({ register: made });
    countCpuSinceProcessStart(made, cpuBefore);
    const families = [
      plainFamily(
        'wechat_messages_total',
        'POSTs to the webhook, by message type and what became of them',
        'counter',
        samplesOf((counts, labels) => counts.messageSamples(labels)),
      ),
      plainFamily(
        'wechat_reply_seconds',
        "Time to answer WeChat's POST, refusals excepted",
        'histogram',
        samplesOf((counts, labels) => counts.replySamples(labels)),
      ),
      plainFamily(
        'wechat_api_calls_total',
        "Calls to WeChat's API, by path and errcode (0: success; unreachable: no JSON answer)",
        'counter',
        samplesOf((counts, labels) => counts.apiSamples(labels)),
      ),
      plainFamily(
        'wechat_token_refreshes_total',
        'New access tokens fetched from WeChat, the first included',
        'counter',
        samplesOf((counts, labels) => counts.tokenSamples(labels)),
      ),
    ];
    // The registry takes any object with a name, get() and reset(); its types know only prom-client's classes.
    for (const family of families) made.registerMetric(family as unknown as PromClient.Metric);
    const { redis } = options;
    if (redis !== undefined) {
      new Gauge({
        name: 'wechat_redis_up',
        help: '1 while the Redis connection is ready, else 0',
        registers: [made],
        collect() {
          this.set(redis.healthy() ? 1 : 0);
        },
      });
    }
    if (openPlatform !== undefined) openPlatformGauges(made, openPlatform);
    return made;
  }

  return {
    get registry() {
      return (registry ??= makeRegistry());
    },
    labelsAccounts: labelled,
    forAccount(name) {
      if (unlabelled !== undefined) return unlabelled;
      let counts = accounts.get(name);
      if (counts === undefined) accounts.set(name, (counts = createAccountCounts()));
      return counts;
    },
    dropAccount(name) {
      if (unlabelled === undefined) accounts.delete(name);
    },
    watchOpenPlatform(source) {
      openPlatform = source;
      if (registry !== undefined) openPlatformGauges(registry, source);
    },
    totalsOf(name) {
      const counts = unlabelled ?? accounts.get(name);
      return counts === undefined ? { messages: {}, apiCalls: {}, tokenRefreshes: 0 } : counts.totals();
    },
  };
}
