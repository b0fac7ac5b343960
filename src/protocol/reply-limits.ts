/** WeChat's passive-reply (and per-message customer-service) limit for text, in UTF-8 bytes. */
export const TEXT_LIMIT_BYTES = 2048;

/**
 * An agent's full account as WeChat names it (`test1@test`): a name of at most 10
 * letters, digits or `_`, then `@` and the account's WeChat ID (at most 30 characters).
 */
export const KF_ACCOUNT = /^[A-Za-z0-9_]{1,10}@[A-Za-z0-9_-]{1,30}$/;
