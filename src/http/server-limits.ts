import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * WeChat's requests are a few KiB and it waits 5 s for an answer: a client slower than
 * that is not WeChat, and is not held for the minutes Node allows by default.
 */
export const SERVER_LIMITS = Object.freeze({
  /** Time to send the request's headers (Node's default: 60 s). */
  headersTimeoutMs: 5_000,
  /** Time to send the whole request, body included (Node's default: 300 s). */
  requestTimeoutMs: 10_000,
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: 5_000,
  /** Open connections at most; more are closed as they arrive. */
  maxConnections: 1_024,
});

/** An HTTP server for `listener` with SERVER_LIMITS applied. */
export function createLimitedServer(listener: RequestListener): Server {
  const server = createServer(
    {
      headersTimeout: SERVER_LIMITS.headersTimeoutMs,
      requestTimeout: SERVER_LIMITS.requestTimeoutMs,
      keepAliveTimeout: SERVER_LIMITS.keepAliveTimeoutMs,
      // How often Node looks for requests past their timeouts (default 30 s).
      connectionsCheckingInterval: 1_000,
    },
    listener,
  );
  server.maxConnections = SERVER_LIMITS.maxConnections;
  return server;
}
