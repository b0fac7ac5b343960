/**
 * A reason the server's response would not be accepted by WeChat: `checkReply` throws
 * it, and the simulator prints it. It is not among `core/errors.ts`'s codes, which are
 * what the server itself raises.
 */
export class RejectedResponseError extends Error {
  override readonly name = 'RejectedResponseError';
}
