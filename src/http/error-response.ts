import type { Response } from 'express';
import type { Logger } from 'pino';
import { allowListAdvice } from '../wechat-api/allow-list-ip.js';
import { isCodedError, type ErrorCode, type WeChatApiError } from '../core/errors.js';
import type { LogRateLimit } from './log-rate-limit.js';

/** What a failure becomes for a client, whatever a route renders it as (JSON, a page, text). */
export interface ErrorResponse {
  readonly status: number;
  readonly code: ErrorCode | 'internal_error';
  /** Safe to show: it names the problem, never a secret nor the request's content. */
  readonly message: string;
  /** The query parameter or body field at fault. */
  readonly field?: string;
  /** WeChat's own errcode and errmsg, when WeChat refused. */
  readonly errcode?: number;
  readonly errmsg?: string;
  /** Seconds after which a retry may succeed. */
  readonly retryAfterS?: number;
}

const INTERNAL: ErrorResponse = { status: 500, code: 'internal_error', message: 'internal error' };

/** The one answer to every encrypted message that cannot be opened, whatever the cause. */
export const UNOPENABLE_MESSAGE = 'the encrypted message could not be opened';

/** WeChat's paths that take the user as `touser`; the others name it `openid` (or `next_openid` for the list). */
const TOUSER_PATHS = new Set([
  '/cgi-bin/message/template/send',
  '/cgi-bin/message/custom/send',
  '/cgi-bin/message/custom/typing',
  '/cgi-bin/message/subscribe/bizsend',
]);

/** WeChat's paths that take a list of users (`openid_list`), which the routes call `openids`. */
const OPENID_LIST_PATHS = new Set([
  '/cgi-bin/tags/members/batchtagging',
  '/cgi-bin/tags/members/batchuntagging',
  '/cgi-bin/tags/members/batchblacklist',
  '/cgi-bin/tags/members/batchunblacklist',
]);

/** WeChat's paths whose openid is where a page starts, with the route's name for it. */
const PAGE_START_FIELDS: Readonly<Record<string, string>> = {
  '/cgi-bin/user/get': 'next_openid',
  '/cgi-bin/user/tag/get': 'next_openid',
  '/cgi-bin/tags/members/getblacklist': 'begin_openid',
};

const userField = (path: string): string =>
  TOUSER_PATHS.has(path) ? 'touser' : OPENID_LIST_PATHS.has(path) ? 'openids' : (PAGE_START_FIELDS[path] ?? 'openid');

/**
 * WeChat's errcodes that are the caller's mistake, not WeChat's nor this server's: the
 * status they get and what the `error` says, naming the field at fault (WeChat's name
 * for it, which the routes use too). Every other errcode is a 502.
 */
const CALLER_MISTAKES: Readonly<Record<number, { status: 400 | 404 | 409; field: (path: string) => string; says: string }>> = {
  40003: { status: 404, field: userField, says: 'WeChat knows no such user of this account (an openid is per account)' },
  40037: { status: 400, field: () => 'template_id', says: 'WeChat knows no such template of this account' },
  47001: { status: 400, field: () => 'body', says: 'WeChat could not read the request in the format it expects' },
  45015: {
    status: 409,
    field: () => 'touser',
    says: 'outside the customer-service window: the user has not written to the account within 48 hours',
  },
  43101: {
    status: 409,
    field: () => 'touser',
    says: 'the user has not accepted this notice template, or turned it off (no grant)',
  },
  45047: {
    status: 409,
    field: () => 'touser',
    says: 'the customer-service window has no sends left: wait until the user writes again',
  },
  49003: { status: 404, field: userField, says: 'the openid is not of this account' },
  40032: { status: 400, field: () => 'openids', says: 'too many openids for one call (WeChat takes 50 to tag, 20 to blacklist)' },
  40092: { status: 400, field: () => 'remark', says: 'WeChat refused the remark (it is seen to take at most 30 bytes of UTF-8)' },
  45056: { status: 409, field: () => 'name', says: 'the account has 100 tags, the most WeChat allows: delete one first' },
  45057: { status: 409, field: () => 'id', says: 'more than 100,000 followers carry the tag: WeChat will not delete it' },
  45058: { status: 400, field: () => 'id', says: "tags 0, 1 and 2 are WeChat's own and cannot be changed" },
  45059: { status: 409, field: () => 'openids', says: 'a follower already carries 20 tags, the most WeChat allows' },
  45157: { status: 409, field: () => 'name', says: 'the account already has a tag of that name' },
  45158: { status: 400, field: () => 'name', says: 'a tag name is at most 30 bytes of UTF-8' },
  45159: { status: 404, field: () => 'id', says: 'WeChat knows no such tag of this account' },
  // The open platform's authorisation code, as `/open/authorize/callback` gets it.
  61009: { status: 400, field: () => 'auth_code', says: 'WeChat does not know this authorisation code' },
  61010: { status: 400, field: () => 'auth_code', says: 'the authorisation code has expired or was used: authorise again' },
};

/** WeChat's refusal: the caller's mistake (4xx naming the field), or a 502 (with the allow-list to fix when it is that). */
function wechatRefusal(error: WeChatApiError, callerInput: boolean): ErrorResponse {
  const { code, errcode, errmsg, path } = error;
  const mistake = callerInput ? CALLER_MISTAKES[errcode] : undefined;
  if (mistake !== undefined) {
    const field = mistake.field(path);
    return { status: mistake.status, code, message: `${field}: ${mistake.says} (errcode ${errcode})`, field, errcode, errmsg };
  }
  const advice = allowListAdvice(errcode, errmsg);
  const message = `WeChat refused ${path} (errcode ${errcode})${advice === undefined ? '' : `: ${advice}`}`;
  return { status: 502, code, message, errcode, errmsg };
}

/** body-parser's and Express's errors carry `status` (and body-parser's a `type`). */
function httpError(error: unknown): { status: number; type: unknown; message: string; limit: unknown } | undefined {
  const { status, type, message, limit } = (error ?? {}) as { status?: unknown; type?: unknown; message?: unknown; limit?: unknown };
  return typeof status === 'number' && status >= 400 && status < 500 ? { status, type, message: String(message), limit } : undefined;
}

export interface ErrorContext {
  /**
   * The route hands the caller's own values (an openid, a template_id) to WeChat, as the
   * `/api` routes do: WeChat's errcodes about them are the caller's mistake (4xx), not a
   * 502. Elsewhere the server builds what it sends, and any errcode is a 502.
   */
  readonly callerInputToWeChat?: boolean;
}

/**
 * The one mapping from an error to its status and a safe message, for every route. A
 * route only renders the result; an error it does not know is a 500, logged.
 */
export function errorResponse(error: unknown, context: ErrorContext = {}): ErrorResponse {
  if (isCodedError(error)) {
    switch (error.code) {
      case 'webhook_request_refused':
        return { status: error.status, code: error.code, message: error.message };
      case 'message_xml_invalid':
        return { status: 400, code: error.code, message: 'the body is not a WeChat message (XML with an <xml> root and a MsgType)' };
      case 'message_decrypt_failed':
      case 'message_unopenable':
        return { status: 403, code: error.code, message: UNOPENABLE_MESSAGE };
      case 'client_gone':
        return { status: 400, code: error.code, message: 'the client went away before sending its whole body' };
      case 'input_invalid':
        return { status: error.status, code: error.code, message: error.message, field: error.field };
      case 'api_not_configured':
        return { status: 503, code: error.code, message: error.message };
      case 'wechat_user_missing':
        return { status: 401, code: error.code, message: error.message };
      case 'wechat_api_refused':
        return wechatRefusal(error, context.callerInputToWeChat === true);
      case 'wechat_unreachable':
      case 'qr_code_too_long':
        return { status: 502, code: error.code, message: error.message };
      case 'lock_timeout':
      case 'store_unavailable':
        return { status: 503, code: error.code, message: error.message, retryAfterS: 1 };
      case 'oauth_states_full':
        return { status: 503, code: error.code, message: error.message, retryAfterS: error.retryAfterS };
      case 'account_unknown':
        return { status: 404, code: error.code, message: error.message, field: 'account' };
      case 'account_forbidden':
        return { status: 403, code: error.code, message: error.message, field: 'account' };
      case 'reach_closed':
        return { status: 409, code: error.code, message: error.message, field: 'touser' };
      case 'component_ticket_missing':
        return {
          status: 503,
          code: error.code,
          message: error.message,
          retryAfterS: 60,
          ...(error.errcode === undefined ? {} : { errcode: error.errcode, errmsg: error.errmsg }),
        };
      case 'authorizer_reauthorization_needed':
        return { status: 409, code: error.code, message: error.message, field: 'account' };
      case 'config_invalid':
      case 'session_unavailable':
        return INTERNAL;
      default:
        return unhandled(error);
    }
  }
  const http = httpError(error);
  if (http === undefined) return INTERNAL;
  if (http.type === 'entity.too.large') {
    const limit = typeof http.limit === 'number' ? ` of ${http.limit} bytes` : '';
    return { status: 413, code: 'input_invalid', message: `body: larger than the limit${limit}`, field: 'body' };
  }
  if (typeof http.type === 'string') {
    return { status: 400, code: 'input_invalid', message: 'body: not valid JSON', field: 'body' };
  }
  return { status: http.status, code: 'input_invalid', message: 'bad request' };
}

/** A new error class without a mapping fails to compile here. */
function unhandled(error: never): ErrorResponse {
  void error;
  return INTERNAL;
}

/**
 * Logs a failure as its response says: an unknown error with its stack, WeChat's and
 * Redis's failures as warnings with their safe fields, a client's mistake not at all.
 * With `limit` (a route anyone may call), a warning is written once per interval for
 * each code and errcode, with the number held back since.
 */
export function logFailure(logger: Logger, error: unknown, response: ErrorResponse, what: string, limit?: LogRateLimit): void {
  if (response.code === 'internal_error') {
    logger.error({ err: error }, what);
  } else if (response.status >= 500) {
    const suppressed = limit === undefined ? 0 : limit(`${response.code}:${response.errcode ?? ''}`);
    if (suppressed === undefined) return;
    const { path, reason } = error as { path?: unknown; reason?: unknown };
    const fields = { code: response.code, errcode: response.errcode, errmsg: response.errmsg, path, reason, error: response.message };
    logger.warn(suppressed > 0 ? { ...fields, suppressed } : fields, what);
  }
}

/**
 * Renders a response as JSON: `{ error, field?, errcode?, errmsg? }`. `fieldKey` names
 * the field's key (/qrcode calls it `parameter`).
 */
export function sendJsonError(res: Response, response: ErrorResponse, fieldKey = 'field'): void {
  if (res.headersSent) return;
  if (response.status === 413) res.set('Connection', 'close');
  if (response.retryAfterS !== undefined) res.set('Retry-After', String(response.retryAfterS));
  res.status(response.status).json({
    error: response.message,
    ...(response.field === undefined ? {} : { [fieldKey]: response.field }),
    ...(response.errcode === undefined ? {} : { errcode: response.errcode, errmsg: response.errmsg }),
  });
}
