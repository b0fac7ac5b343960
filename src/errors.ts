/** The coded errors the server raises. Each names what went wrong and how to fix it. */

/** A configuration variable is missing or malformed; the process must not start. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(message);
  }
}

/** A webhook request WeChat would never send: answered with `status`, never a 500. */
export class WebhookRequestError extends Error {
  override readonly name = 'WebhookRequestError';
  constructor(
    readonly status: 400 | 403 | 413,
    message: string,
    /** A short code for the log, which never carries the request's content. */
    readonly reason: string = 'bad-request',
  ) {
    super(message);
  }
}

/** WeChat answered an API call with a non-zero `errcode`. */
export class WeChatApiError extends Error {
  override readonly name = 'WeChatApiError';
  constructor(
    readonly errcode: number,
    readonly errmsg: string,
    /** The API path, without its query (which may hold a token). */
    readonly path: string,
  ) {
    super(`WeChat answered errcode ${errcode} (${errmsg}) to ${path}`);
  }
}

/** WeChat could not be reached, or did not answer in time. */
export class WeChatUnreachableError extends Error {
  override readonly name = 'WeChatUnreachableError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`WeChat could not be reached at ${path}: ${reason}`);
  }
}

/** Another instance's refresh of a shared credential did not finish in time. */
export class TokenLockTimeoutError extends Error {
  override readonly name = 'TokenLockTimeoutError';
}
