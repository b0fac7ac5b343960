/**
 * Every error the server raises on purpose, in one place. Each has a `code` (one of
 * ErrorCode) to branch on, and a message that names what went wrong and how to fix it.
 * `http/error-response.ts` turns them into statuses, once for every route.
 */

export type ErrorCode =
  | 'config_invalid'
  | 'webhook_request_refused'
  | 'message_xml_invalid'
  | 'message_decrypt_failed'
  | 'message_unopenable'
  | 'client_gone'
  | 'input_invalid'
  | 'api_not_configured'
  | 'wechat_user_missing'
  | 'wechat_api_refused'
  | 'wechat_unreachable'
  | 'lock_timeout'
  | 'store_unavailable'
  | 'session_unavailable'
  | 'oauth_states_full'
  | 'qr_code_too_long'
  | 'account_unknown'
  | 'account_forbidden'
  | 'reach_closed'
  | 'component_ticket_missing'
  | 'authorizer_reauthorization_needed';

/** An error this server raised on purpose: `code` says which. */
export abstract class CodedError extends Error {
  abstract readonly code: ErrorCode;
}

/** True for the errors of this module, typed so that a switch on `code` narrows to the class. */
export function isCodedError(error: unknown): error is KnownError {
  return error instanceof CodedError;
}

/** One thing wrong with the configuration: the variable, and a line naming it and the problem. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/**
 * A configuration variable is missing or malformed; the process must not start. `variable`
 * and `message`'s first line are the first problem; `problems` holds every one found, and
 * `message` has a line for each.
 */
export class ConfigError extends CodedError {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
  readonly problems: readonly ConfigProblem[];
  constructor(
    readonly variable: string,
    message: string,
    more: readonly ConfigProblem[] = [],
  ) {
    super([message, ...more.map((problem) => problem.message)].join('\n'));
    this.problems = Object.freeze([{ variable, message }, ...more]);
  }
}

/** A webhook request WeChat would never send: answered with `status`, never a 500. */
export class WebhookRequestError extends CodedError {
  override readonly name = 'WebhookRequestError';
  readonly code = 'webhook_request_refused';
  constructor(
    readonly status: 400 | 403 | 413,
    message: string,
    /** A short code for the log, which never carries the request's content. */
    readonly reason: string = 'bad-request',
  ) {
    super(message);
  }
}

/** Why a body is not a WeChat message; the webhook answers 400 with it. */
export class MessageXmlError extends CodedError {
  override readonly name = 'MessageXmlError';
  readonly code = 'message_xml_invalid';
}

/** Ciphertext that does not decrypt to a well-framed message. */
export class DecryptError extends CodedError {
  override readonly name = 'DecryptError';
  readonly code = 'message_decrypt_failed';
}

/** Why an encrypted message could not be opened: for the log only, never for the answer. */
export type UnopenableReason = 'envelope' | 'msg_signature' | 'ciphertext' | 'appid' | 'message';

/**
 * An encrypted message that could not be opened. Callers answer every reason alike, so
 * that the answer tells nothing about the plaintext (no padding or parsing oracle).
 */
export class UnopenableMessageError extends CodedError {
  override readonly name = 'UnopenableMessageError';
  readonly code = 'message_unopenable';
  constructor(readonly reason: UnopenableReason) {
    super(`the encrypted message could not be opened (${reason})`);
  }
}

/** The client went away before its body was read: nobody is left to answer. */
export class ClientGoneError extends CodedError {
  override readonly name = 'ClientGoneError';
  readonly code = 'client_gone';
}

/** A caller's mistake in a query or body: answered with `status` and a message that names `field`. */
export class InputError extends CodedError {
  override readonly name = 'InputError';
  readonly code = 'input_invalid';
  constructor(
    readonly field: string,
    message: string,
    readonly status: 400 | 413 = 400,
  ) {
    super(message);
  }
}

/** WECHAT_APPID or WECHAT_APPSECRET is not set: nothing can be asked of WeChat. */
export class ApiNotConfiguredError extends CodedError {
  override readonly name = 'ApiNotConfiguredError';
  readonly code = 'api_not_configured';
}

/** The request names no WeChat user: no user cookie, or one that is altered, foreign or expired. */
export class NotSignedInError extends CodedError {
  override readonly name = 'NotSignedInError';
  readonly code = 'wechat_user_missing';
}

/** WeChat answered an API call with a non-zero `errcode`. */
export class WeChatApiError extends CodedError {
  override readonly name = 'WeChatApiError';
  readonly code = 'wechat_api_refused';
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
export class WeChatUnreachableError extends CodedError {
  override readonly name = 'WeChatUnreachableError';
  readonly code = 'wechat_unreachable';
  constructor(
    readonly path: string,
    readonly reason: string,
    /** No answer came in time: the request may have been carried out. */
    readonly timedOut = false,
  ) {
    super(`WeChat could not be reached at ${path}: ${reason}`);
  }
}

/**
 * Another instance held a lock shared through Redis (a credential's refresh, a media
 * file's upload) longer than this one could wait.
 */
export class LockTimeoutError extends CodedError {
  override readonly name = 'LockTimeoutError';
  readonly code = 'lock_timeout';
}

/**
 * A store the request cannot do without (the console's sessions in Redis) did not answer
 * within its bound: the request is refused with 503 and Retry-After, not failed with a 500.
 */
export class StoreUnavailableError extends CodedError {
  override readonly name = 'StoreUnavailableError';
  readonly code = 'store_unavailable';
}

/**
 * A handler's `session` could not be used: another instance kept the user's
 * conversation past the turn limit (`busy`), this message's turn lost it (`lost`), or
 * the handler used it after its turn ended (`ended`). Thrown into the handler, which
 * may catch it; uncaught, the message is answered `success` and the error logged.
 */
export class SessionUnavailableError extends CodedError {
  override readonly name = 'SessionUnavailableError';
  readonly code = 'session_unavailable';
  constructor(
    readonly reason: 'busy' | 'lost' | 'ended',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The memory of used OAuth states is full: a new callback is refused (fail closed)
 * rather than a state still valid forgotten, which would make its callback replayable.
 */
export class UsedStatesFullError extends CodedError {
  override readonly name = 'UsedStatesFullError';
  readonly code = 'oauth_states_full';
  constructor(
    /** Seconds until the oldest state expires and makes room. */
    readonly retryAfterS: number,
  ) {
    super('too many sign-ins at once: try again in a few minutes');
  }
}

/** The text is more than a QR code holds (WeChat's `url` was longer than it should be). */
export class QrCodeTooLongError extends CodedError {
  override readonly name = 'QrCodeTooLongError';
  readonly code = 'qr_code_too_long';
  constructor(readonly length: number) {
    super(`WeChat's url is too long for a QR code (${length} characters)`);
  }
}

/** A request names an account (by name or AppID) this server does not serve. */
export class UnknownAccountError extends CodedError {
  override readonly name = 'UnknownAccountError';
  readonly code = 'account_unknown';
  constructor() {
    // The name given is not echoed: it is the request's own text.
    super('account: this server serves no account of that name or AppID');
  }
}

/** The caller's key acts for one account, and the request names another. */
export class AccountForbiddenError extends CodedError {
  override readonly name = 'AccountForbiddenError';
  readonly code = 'account_forbidden';
  constructor() {
    super('account: this key acts for another account only');
  }
}

/**
 * What the server knows says a channel cannot reach the user now: the customer-service
 * window is closed, or the notice's grant is used up or rejected. WeChat is not called;
 * `force` sends anyway.
 */
export class ReachClosedError extends CodedError {
  override readonly name = 'ReachClosedError';
  readonly code = 'reach_closed';
  constructor(
    readonly channel: 'custom' | 'subscribe',
    message: string,
  ) {
    super(message);
  }
}

/** The start of what a call that needs the open platform's ticket is answered while there is none. */
export const WAITING_FOR_TICKET = "waiting for WeChat's component_verify_ticket push";

/**
 * The open platform has no usable component_verify_ticket (just deployed, or WeChat
 * refused it with 61005/61006): no component_access_token can be fetched until WeChat's
 * next push, which comes every 10 minutes. `errcode` is WeChat's, when it refused one.
 */
export class TicketMissingError extends CodedError {
  override readonly name = 'TicketMissingError';
  readonly code = 'component_ticket_missing';
  constructor(
    readonly errcode?: number,
    readonly errmsg?: string,
  ) {
    super(
      `${WAITING_FOR_TICKET}… (WeChat pushes one to /open/events every 10 minutes${
        errcode === undefined ? '' : `; it refused the last one with errcode ${errcode}`
      }): try again in a few minutes`,
    );
  }
}

/**
 * An authorised account's refresh token is no longer valid (WeChat answered 61023), or
 * could not be read: the account must authorise the platform again.
 */
export class ReauthorizationNeededError extends CodedError {
  override readonly name = 'ReauthorizationNeededError';
  readonly code = 'authorizer_reauthorization_needed';
  constructor(readonly authorizerAppId: string) {
    super(`the account ${authorizerAppId} must authorise the platform again: its refresh token is no longer valid`);
  }
}

/** Every coded error: a `switch (error.code)` over it must handle each one. */
export type KnownError =
  | ConfigError
  | WebhookRequestError
  | MessageXmlError
  | DecryptError
  | UnopenableMessageError
  | ClientGoneError
  | InputError
  | ApiNotConfiguredError
  | NotSignedInError
  | WeChatApiError
  | WeChatUnreachableError
  | LockTimeoutError
  | StoreUnavailableError
  | SessionUnavailableError
  | UsedStatesFullError
  | QrCodeTooLongError
  | UnknownAccountError
  | AccountForbiddenError
  | ReachClosedError
  | TicketMissingError
  | ReauthorizationNeededError;
