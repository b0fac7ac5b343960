import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import type { HealthCheck } from '../core/health-check.js';
import { createLogger } from '../core/logger.js';
import { createMetrics, type Metrics } from '../core/metrics.js';
import { connectRedis, type RedisConnection } from '../redis/connection.js';

/** What every account of the server shares: the log, the clock, one Redis connection, one registry. */
export interface ServerResources {
  readonly logger: Logger;
  /** The clock of tokens, tickets, sessions and OAuth states, injectable for tests. */
  readonly now: () => number;
  /** The connection to REDIS_URL, each account in its own keys; none without REDIS_URL. */
  readonly redis: RedisConnection | undefined;
  /** Every account's counters, in this app's own registry. */
  readonly metrics: Metrics;
  /** What `/healthz` asks. */
  readonly checks: readonly HealthCheck[];
  /** Closes the Redis connection. */
  close(): Promise<void>;
}

export interface ServerResourceOptions {
  readonly logger?: Logger;
  readonly now?: () => number;
  /** Label each account's series with `account` (ACCOUNTS_FILE, unless METRICS_ACCOUNT_LABEL=none). */
  readonly accountLabel?: boolean;
}

export function createServerResources(config: Config, options: ServerResourceOptions = {}): ServerResources {
  const logger = options.logger ?? createLogger(config.logLevel);
  const redis = config.redisUrl === undefined ? undefined : connectRedis(config.redisUrl, logger);
  const metrics = createMetrics({ redis, accountLabel: options.accountLabel });
  return {
    logger,
    now: options.now ?? Date.now,
    redis,
    metrics,
    checks: redis === undefined ? [] : [redis],
    close: async () => redis?.close(),
  };
}
