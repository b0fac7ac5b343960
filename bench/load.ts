import autocannon, { type Context, type RequestParams } from 'autocannon';
import type { Outgoing } from './messages.js';

/** Hands out the requests of one run, one per call. */
export interface MessageSource {
  next(): Outgoing;
}

export interface LoadOptions {
  readonly port: number;
  /** The webhook's path on the server; each message brings its own query. */
  readonly path: string;
  readonly connections: number;
  readonly seconds: number;
  /** Requests a second over all connections; undefined: each connection sends as soon as it is answered. */
  readonly rate?: number;
  readonly source: MessageSource;
  /** Called with each response (or only a sample; the caller decides what to check). */
  readonly onReply: (sent: Outgoing, status: number, body: string) => void;
}

export interface LoadResult {
  readonly responses: number;
  readonly seconds: number;
  readonly reqPerSec: number;
  /** Latency percentiles in milliseconds, from every response's own timing. */
  readonly p50: number;
  readonly p99: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly non2xx: number;
  readonly statusCodes: Readonly<Record<string, number>>;
}

/** A growable list of latencies, cheap to append to under load. */
class Latencies {
  private values = new Float64Array(1 << 16);
  length = 0;
  add(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length++] = value;
  }
  percentile(p: number): number {
    if (this.length === 0) return Number.NaN;
    const sorted = this.values.slice(0, this.length).sort();
    return sorted[Math.min(this.length - 1, Math.floor((p / 100) * this.length))] ?? Number.NaN;
  }
}

/** POSTs the source's messages to 127.0.0.1:port/path for `seconds` over `connections` connections. */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const latencies = new Latencies();
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `http://127.0.0.1:${options.port}`,
        connections: options.connections,
        duration: options.seconds,
        ...(options.rate !== undefined && { overallRate: options.rate }),
        pipelining: 1,
        timeout: 10,
        method: 'POST',
        headers: { 'Content-Type': 'text/xml' },
        requests: [
          {
            setupRequest(request: RequestParams, context: Context): RequestParams {
              const message = options.source.next();
              context.sent = message;
              return { ...request, path: `${options.path}?${message.query}`, body: message.body };
            },
            onResponse(status, body, context) {
              options.onReply(context.sent as Outgoing, status, body);
            },
          },
        ],
      },
      (error, result) => {
        if (error !== null) {
          reject(error);
          return;
        }
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        const statusCodes: Record<string, number> = {};
        for (const [code, { count }] of Object.entries(result.statusCodeStats)) statusCodes[code] = count;
        resolve({
          responses: latencies.length,
          seconds,
          reqPerSec: latencies.length / seconds,
          p50: latencies.percentile(50),
          p99: latencies.percentile(99),
          errors: result.errors,
          non2xx: result.non2xx,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, milliseconds: number) => {
      latencies.add(milliseconds);
    });
  });
}
