import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { createApp, type AppOptions } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { FakeWeChat } from './fake-wechat.js';
import { until } from './until.js';

export const TEST_TOKEN = 'test-token';

export interface RunningApp {
  readonly url: string;
  readonly config: Config;
  /** Every log line written so far, parsed. */
  readonly logs: Record<string, unknown>[];
  /** The raw log output, to search for secrets. */
  logText(): string;
  close(): Promise<void>;
}

/** Starts the app on 127.0.0.1 on a free port, with its logs captured. */
export async function startApp(env: Record<string, string> = {}, options: Omit<AppOptions, 'logger'> = {}): Promise<RunningApp> {
  const config = loadConfig({ WECHAT_TOKEN: TEST_TOKEN, LOG_LEVEL: 'debug', ...env });
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      callback();
    },
  });
  const app = createApp(config, { ...options, logger: createLogger(config.logLevel, sink) });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    config,
    get logs() {
      return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    logText: () => lines.join('\n'),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : void app.shutdown().then(resolve)));
      }),
  };
}

/**
 * Runs `test` against a fresh fake WeChat and an app configured for it (plus `env`),
 * then closes both, whatever the test did.
 */
export async function withFakeWeChat(
  env: Record<string, string>,
  test: (app: RunningApp, fake: FakeWeChat) => Promise<void>,
): Promise<void> {
  const fake = await new FakeWeChat().start();
  try {
    const app = await startApp({ ...fake.env(), ...env });
    try {
      await test(app, fake);
    } finally {
      await app.close();
    }
  } finally {
    await fake.stop();
  }
}

/** Waits until every app's `/healthz` is 200: their Redis connection is ready. */
export async function untilRedisReady(...apps: readonly { readonly url: string }[]): Promise<void> {
  const healthy = async (app: { readonly url: string }): Promise<boolean> => (await fetch(`${app.url}/healthz`)).status === 200;
  await until(async () => (await Promise.all(apps.map(healthy))).every(Boolean), 'Redis ready');
}

/**
 * Runs every clean-up step, each even when an earlier one throws (a setup that failed
 * leaves some undefined), then throws the first failure: a fake left listening would
 * keep the test file from ever ending.
 */
export async function closeAll(...steps: readonly (() => unknown)[]): Promise<void> {
  const results = await Promise.allSettled(steps.map(async (step) => step()));
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
}
