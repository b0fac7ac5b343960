import type { Redis } from 'ioredis';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { describe, it } from 'node:test';
import { freePort } from './free-port.js';

/**
 * Whether `suite` can run: false (and the suite says so) without a redis-server,
 * unless REQUIRE_REDIS=1 (CI), where a missing Redis is an error, not a skip.
 */
export function redisAvailable(suite: string): boolean {
  if (redisServerAvailable()) return true;
  if (process.env.REQUIRE_REDIS === '1') throw new Error(`REQUIRE_REDIS=1 but no redis-server binary was found: ${suite} cannot run`);
  console.log(`# SKIPPING ${suite}: no redis-server on the PATH (CI sets REQUIRE_REDIS=1 to make this a failure)`);
  return false;
}

/**
 * `describe` for a suite that needs a redis-server: without one (and outside CI), a
 * skipped test stands in its place, so that the summary counts the skip.
 */
export function describeWithRedis(name: string, suite: () => void): void {
  if (redisAvailable(name)) describe(name, suite);
  else it(name, { skip: 'no redis-server on the PATH' }, () => undefined);
}

/** True when a `redis-server` binary is on the PATH. */
export function redisServerAvailable(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.setTimeout(300);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A redis-server of the tests' own on a free port, which they may stop and restart. */
export class PrivateRedis {
  #child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort());
    await redis.start();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Runs `use` with a client of the test's own, to look at what the server keeps; disconnects after. */
  async inspect<T>(use: (client: Redis) => Promise<T>): Promise<T> {
    const { Redis: Client } = await import('ioredis');
    const client = new Client(this.url);
    try {
      return await use(client);
    } finally {
      client.disconnect();
    }
  }

  async start(): Promise<void> {
    this.#child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 5000;
    while (!(await ping(this.port))) {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (child === undefined || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    this.#child = undefined;
  }
}
