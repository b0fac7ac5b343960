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
  ) {
    super(message);
  }
}
