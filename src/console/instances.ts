import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Account } from '../accounts/account.js';

/** What one instance serves: the version of each account's replies file it has loaded. */
export interface InstanceReport {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** When it last reported (ISO 8601). */
  readonly seenAt: string;
  /** Account name → the SHA-256 of the replies file in force there (null: none loaded). */
  readonly replies: Readonly<Record<string, string | null>>;
}

/** How often each instance reports, and how long a report counts: an instance gone quiet drops out. */
const REPORT_EVERY_MS = 10_000;
const REPORT_LIFE_MS = 30_000;
const PREFIX = 'wechat:console:instance:';
/** Instances listed at most (SCAN pages of 100). */
const MAX_INSTANCES = 200;

export interface InstanceRegistry {
  /** Every instance that reported lately (this one always), for the console. */
  list(): Promise<readonly InstanceReport[]>;
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
    typeof report.replies === 'object' &&
    report.replies !== null
  );
}

/**
 * Which version of each replies file every instance serves. With Redis each instance
 * writes its report every 10 s (`wechat:console:instance:<id>`, kept 30 s) and the
 * console reads them all; without Redis there is this instance alone.
 */
export function createInstanceRegistry({
  redis,
  accounts,
  logger,
}: {
  redis: Redis | undefined;
  accounts: () => readonly Account[];
  logger: Logger;
}): InstanceRegistry {
  const id = randomBytes(6).toString('hex');
  const own = (): InstanceReport => ({
    id,
    host: os.hostname(),
    pid: process.pid,
    seenAt: new Date().toISOString(),
    replies: Object.fromEntries(accounts().map((account) => [account.name, account.repliesVersion() ?? null])),
  });
  if (redis === undefined) return { list: () => Promise.resolve([own()]), close: () => undefined };

  const report = (): void => {
    redis.set(`${PREFIX}${id}`, JSON.stringify(own()), 'PX', REPORT_LIFE_MS).catch((error: unknown) => {
      logger.debug({ err: error }, 'the instance report for the console was not written');
    });
  };
  report();
  // The first report, at start, finds Redis still connecting: another as soon as it is ready.
  redis.on('ready', report);
  const timer = setInterval(report, REPORT_EVERY_MS);
  timer.unref();

  return {
    async list() {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await redis.scan(cursor, 'MATCH', `${PREFIX}*`, 'COUNT', 100);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0' && keys.length < MAX_INSTANCES);
      const others = keys.length === 0 ? [] : await redis.mget(...keys.slice(0, MAX_INSTANCES));
      const reports = new Map<string, InstanceReport>();
      for (const text of others) {
        if (text === null) continue;
        try {
          const value: unknown = JSON.parse(text);
          if (isReport(value)) reports.set(value.id, value);
        } catch {
          // a report that is not JSON is skipped
        }
      }
      reports.set(id, own());
      return [...reports.values()];
    },
    close() {
      clearInterval(timer);
      redis.off('ready', report);
    },
  };
}
