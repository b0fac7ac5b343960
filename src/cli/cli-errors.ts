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
