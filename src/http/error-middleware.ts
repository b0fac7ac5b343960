import type { ErrorRequestHandler, NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { errorResponse, logFailure, sendJsonError, type ErrorContext, type ErrorResponse } from './error-response.js';
import type { LogRateLimit } from './log-rate-limit.js';

/** Writes a failure's response as a family of routes answers (JSON, a page, text). */
export type RenderFailure = (res: Response, response: ErrorResponse) => void;

export interface ErrorMiddlewareOptions {
  readonly logger: Logger;
  /** The log line's message, or how to choose it from the response. */
  readonly what: string | ((response: ErrorResponse) => string);
  /** For routes anyone may call: one warning per interval for each code (see logFailure). */
  readonly limit?: LogRateLimit;
  /** How WeChat's errcodes count for these routes (see errorResponse). */
  readonly context?: ErrorContext;
  /** Default: JSON `{ error, field?, errcode?, errmsg? }` (sendJsonError). */
  readonly render?: RenderFailure;
}

/**
 * The last middleware of a family of routes. Whatever its routes throw, pass to `next`
 * or reject with (Express 5 forwards a rejected promise) is answered here, once for the
 * family: errorResponse decides the status and a safe message, logFailure logs it, and
 * `render` writes it. A failure after the answer began cuts the connection, as Express
 * itself does, so the client never takes half an answer for a whole one.
 */
export function errorMiddleware({ logger, what, limit, context, render = sendJsonError }: ErrorMiddlewareOptions): ErrorRequestHandler {
  return function renderError(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
    const response = errorResponse(error, context);
    logFailure(logger, error, response, typeof what === 'string' ? what : what(response), limit);
    if (!res.headersSent) render(res, response);
    else if (!res.writableEnded) res.destroy();
  };
}

/** Renders failures as HTML pages, never cached, with Retry-After when a retry may succeed. */
export function pageFailures(page: (response: ErrorResponse) => string): RenderFailure {
  return function sendErrorPage(res, response) {
    if (response.retryAfterS !== undefined) res.set('Retry-After', String(response.retryAfterS));
    res.status(response.status).set('Cache-Control', 'no-store').type('html').send(page(response));
  };
}

/** Renders failures as one line of plain text: for routes that answer neither JSON nor pages. */
export function textFailure(res: Response, response: ErrorResponse): void {
  res.status(response.status).type('text/plain').send(`${response.message}\n`);
}
