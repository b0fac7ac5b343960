/**
 * The commands' own failures. The server never raises them, so they are not among
 * `core/errors.ts`'s codes (which every route must map): each command tells them apart
 * by class and prints their message.
 */

/** A command line the CLI does not understand. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The simulator got no response at all: the server is not running, or not at this URL. */
export class NoResponseError extends Error {
  override readonly name = 'NoResponseError';
}

/** How an account authorises the platform (again): the admin route that gives WeChat's authorisation link. */
export const AUTHORISE_AT = "ask the platform's admin to open /open/authorize";

/**
 * `--account <appid>` names an account of ACCOUNTS_FILE that has not authorised the
 * third-party platform, or took its authorisation back: the platform's state does not
 * hold it, so nothing can be called for it.
 */
export class NotAuthorisedError extends Error {
  override readonly name = 'NotAuthorisedError';
  constructor(readonly appId: string) {
    super(`--account ${appId}: ${appId} has not authorised the third-party platform (or took its authorisation back): ${AUTHORISE_AT}`);
  }
}
