import type { Response } from 'express';
import type { Logger } from 'pino';
import { WeChatApiError, WeChatUnreachableError } from '../../errors.js';

/** A caller's mistake on /api: answered with `status` and a message that names `field`. */
export class ApiInputError extends Error {
  override readonly name = 'ApiInputError';
  constructor(
    readonly status: 400 | 413,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** WECHAT_APPID or WECHAT_APPSECRET is not set: nothing can be asked of WeChat. */
export class ApiUnavailableError extends Error {
  override readonly name = 'ApiUnavailableError';
}

/** body-parser's errors carry `type` and `status`. */
function bodyParserError(error: unknown): { status: number; type: string } | undefined {
  const { status, type } = (error ?? {}) as { status?: unknown; type?: unknown };
  return typeof status === 'number' && typeof type === 'string' ? { status, type } : undefined;
}

/**
 * The one place where an /api failure becomes its JSON answer:
 * `{ error, field? }`, plus `errcode`/`errmsg` when WeChat refused.
 */
export function sendApiError(res: Response, error: unknown, logger: Logger): void {
  const answer = (status: number, body: Record<string, unknown>): void => {
    if (status === 413) res.set('Connection', 'close');
    res.status(status).json(body);
  };
  if (error instanceof ApiInputError) {
    answer(error.status, { error: error.message, field: error.field });
  } else if (error instanceof ApiUnavailableError) {
    answer(503, { error: error.message });
  } else if (error instanceof WeChatApiError) {
    logger.warn({ errcode: error.errcode, errmsg: error.errmsg, path: error.path }, 'WeChat refused an /api call');
    answer(502, { error: `WeChat refused ${error.path} (errcode ${error.errcode})`, errcode: error.errcode, errmsg: error.errmsg });
  } else if (error instanceof WeChatUnreachableError) {
    logger.warn({ path: error.path, reason: error.reason }, 'WeChat unreachable on an /api call');
    answer(502, { error: error.message });
  } else if (bodyParserError(error)?.type === 'entity.too.large') {
    answer(413, { error: 'body: larger than the JSON limit of 64 KiB', field: 'body' });
  } else if (bodyParserError(error) !== undefined && bodyParserError(error)!.status < 500) {
    answer(400, { error: `body: not valid JSON (${(error as Error).message})`, field: 'body' });
  } else {
    logger.error({ err: error }, 'unexpected error on /api');
    if (!res.headersSent) answer(500, { error: 'internal error' });
  }
}
