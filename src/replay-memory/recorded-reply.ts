/** Recorded when WeChat was given no reply (`success`). */
export const NO_REPLY = null;

/**
 * What a message was answered with, recorded so that a retry gets exactly the same: the
 * passive reply's bytes as sent (XML, sealed in safe mode), or `NO_REPLY`. The webhook
 * turns it into an HTTP response.
 */
export type RecordedReply = Buffer | typeof NO_REPLY;
