import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/**
 * Loads a CommonJS package on first use instead of at start-up. axios, ioredis and
 * qrcode add about 40 MiB of resident memory between them; a server that never calls
 * WeChat's API or has no REDIS_URL should not carry them (BENCHMARKS.md, peak RSS).
 */
export function lazyRequire<T>(name: string): () => T {
  let loaded: T | undefined;
  return () => (loaded ??= require(name) as T);
}
