import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Logger } from 'pino';
import type { Account } from '../accounts/account.js';
import { keyspaceOf, type RedisConnection } from '../redis/connection.js';

/** What one instance serves of one account: the version of its replies file. */
export interface InstanceReport {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** When it last reported (ISO 8601). */
  readonly seenAt: string;
  /** The SHA-256 of the replies file in force there (null: none loaded). */
  readonly replies: string | null;
}

/** How often each instance reports, and how long a report counts: an instance gone quiet drops out. */
const REPORT_EVERY_MS = 10_000;
const REPORT_LIFE_MS = 30_000;
/** Under the account's keys (`wechat:<AppID>:instance:<id>`, keyspaceOf), as every key of an account's. */
const INSTANCE = 'instance:';
/** Instances listed at most (SCAN pages of 100). */
const MAX_INSTANCES = 200;

export interface InstanceRegistry {
  /** Every instance that reported on `account` lately (this one always), for the console. */
  list(account: Account): Promise<readonly InstanceReport[]>;
  close(): void;
}

function isReport(value: unknown): value is InstanceReport {
  const report = value as Partial<InstanceReport> | null;
  return (
    typeof report === 'object' &&
    report !== null &&
    typeof report.id === 'string' &&
    typeof report.host === 'string' &&
    typeof report.pid === 'number' &&
    typeof report.seenAt === 'string' &&
    (report.replies === null || typeof report.replies === 'string')
  );
}

/**
 * Which version of each replies file every instance serves. With Redis each instance
 * writes a report for each account every 10 s (`wechat:<AppID>:instance:<id>`, kept
 * 30 s) and the console reads an account's; without Redis there is this instance alone.
 */
export function createInstanceRegistry({
  redis,
  accounts,
  logger,
}: {
  redis: RedisConnection | undefined;
  accounts: () => readonly Account[];
  logger: Logger;
}): InstanceRegistry {
  const id = randomBytes(6).toString('hex');
  const own = (account: Account): InstanceReport => ({
    id,
    host: os.hostname(),
    pid: process.pid,
    seenAt: new Date().toISOString(),
    replies: account.repliesVersion() ?? null,
  });
  if (redis === undefined) return { list: (account) => Promise.resolve([own(account)]), close: () => undefined };
  const client = redis.redis;
  const keyOf = (account: Account): string => `${keyspaceOf(redis, account.settings).prefix}${INSTANCE}${id}`;

  const report = (): void => {
    const batch = client.pipeline();
    for (const account of accounts()) batch.set(keyOf(account), JSON.stringify(own(account)), 'PX', REPORT_LIFE_MS);
    batch.exec().catch((error: unknown) => {
      logger.debug({ err: error }, 'the instance reports for the console were not written');
    });
  };
  report();
  // The first report, at start, finds Redis still connecting: another as soon as it is ready.
  client.on('ready', report);
  const timer = setInterval(report, REPORT_EVERY_MS);
  timer.unref();

  return {
    async list(account) {
      const pattern = `${keyspaceOf(redis, account.settings).prefix}${INSTANCE}*`;
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 100);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0' && keys.length < MAX_INSTANCES);
      const texts = keys.length === 0 ? [] : await client.mget(...keys.slice(0, MAX_INSTANCES));
      const reports = new Map<string, InstanceReport>();
      for (const text of texts) {
        if (text === null) continue;
        try {
          const value: unknown = JSON.parse(text);
          if (isReport(value)) reports.set(value.id, value);
        } catch {
          // a report that is not JSON is skipped
        }
      }
      reports.set(id, own(account));
      return [...reports.values()];
    },
    close() {
      clearInterval(timer);
      client.off('ready', report);
    },
  };
}
