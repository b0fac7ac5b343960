import type { Account } from '../accounts/account.js';
import type { HealthCheck } from '../core/health-check.js';
import type { Metrics, MetricTotals } from '../core/metrics.js';
import { perAccount } from '../http/account-of.js';

/** The overview page's figures for one account, from the counters `/metrics` serves. */
export interface Overview {
  readonly account: string;
  readonly health: { readonly status: 'ok' | 'degraded'; readonly redis: 'up' | 'down' | 'none' };
  /** The access token held now: seconds until it expires (null: none held), and how many were fetched since start. */
  readonly token: { readonly expiresInSeconds: number | null; readonly refreshes: number };
  /** Messages per minute by outcome (the `outcome` label of wechat_messages_total), over the last minutes measured. */
  readonly messages: readonly { readonly outcome: string; readonly perMinute: number }[];
  /** WeChat's errcodes other than 0 over the last hour (or since `since`, when the console has watched for less). */
  readonly errcodes: readonly { readonly errcode: string; readonly count: number }[];
  /** Where the figures are counted from (ISO 8601). */
  readonly since: string;
  /** True when several accounts count in one set of series (METRICS_ACCOUNT_LABEL=none): the figures are all accounts'. */
  readonly sharedCounts: boolean;
  /**
   * For an account that authorised the third-party platform: when (ISO 8601), and
   * whether it must authorise again (WeChat refused its refresh token, 61023). Null for the others.
   */
  readonly authorisation: { readonly authorizedAt: string; readonly needsReauthorization: boolean } | null;
}

interface Snapshot {
  readonly time: number;
  readonly totals: MetricTotals;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** A snapshot is kept at most every this often, for an hour: about 120 per account. */
const SNAPSHOT_EVERY_MS = 30_000;

/** The latest snapshot taken at or before `time`, else the oldest. */
function snapshotAt(history: readonly Snapshot[], time: number): Snapshot | undefined {
  let found: Snapshot | undefined;
  for (const snapshot of history) if (snapshot.time <= time) found = snapshot;
  return found ?? history[0];
}

const difference = (now: Readonly<Record<string, number>>, then: Readonly<Record<string, number>>, key: string): number =>
  (now[key] ?? 0) - (then[key] ?? 0);

/**
 * The console's overview: rates from the counters, which count from the process's start,
 * by snapshots the console keeps while it is asked (one per 30 s, an hour of them); at
 * start-up, from the process's start.
 */
export function createOverview(metrics: Metrics, redis: HealthCheck | undefined, startedAt: number, now: () => number = Date.now) {
  const histories = perAccount((): Snapshot[] => []);
  return async function overviewOf(account: Account, accounts: number): Promise<Overview> {
    const time = now();
    const totals = metrics.totalsOf(account.name);
    const history = histories(account);
    if (history.length === 0) history.push({ time: startedAt, totals: { messages: {}, apiCalls: {}, tokenRefreshes: 0 } });
    const last = history[history.length - 1];
    if (last !== undefined && time - last.time >= SNAPSHOT_EVERY_MS) history.push({ time, totals });
    while (history.length > 2 && (history[1]?.time ?? time) < time - HOUR_MS) history.shift();

    const minuteAgo = snapshotAt(history, time - MINUTE_MS) ?? { time: startedAt, totals };
    const minutes = Math.max((time - minuteAgo.time) / MINUTE_MS, 1 / 60);
    const messages = Object.keys(totals.messages).map((outcome) => ({
      outcome,
      perMinute: Math.round((difference(totals.messages, minuteAgo.totals.messages, outcome) / minutes) * 10) / 10,
    }));
    const hourAgo = snapshotAt(history, time - HOUR_MS) ?? minuteAgo;
    const errcodes = Object.keys(totals.apiCalls)
      .filter((errcode) => errcode !== '0')
      .map((errcode) => ({ errcode, count: difference(totals.apiCalls, hourAgo.totals.apiCalls, errcode) }))
      .filter(({ count }) => count > 0);
    const [expiresAt, authorisation] = await Promise.all([account.tokenExpiresAt(), account.authorisation().catch(() => undefined)]);
    const redisState = redis === undefined ? 'none' : redis.healthy() ? 'up' : 'down';
    return {
      account: account.name,
      health: { status: redisState === 'down' ? 'degraded' : 'ok', redis: redisState },
      token: {
        expiresInSeconds: expiresAt === undefined ? null : Math.max(0, Math.round((expiresAt - time) / 1000)),
        refreshes: totals.tokenRefreshes,
      },
      messages,
      errcodes,
      since: new Date(hourAgo.time).toISOString(),
      sharedCounts: !metrics.labelsAccounts && accounts > 1,
      authorisation:
        authorisation === undefined
          ? null
          : { authorizedAt: new Date(authorisation.authorizedAt).toISOString(), needsReauthorization: authorisation.needsReauthorization },
    };
  };
}
