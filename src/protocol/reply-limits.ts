/** WeChat's passive-reply (and per-message customer-service) limit for text, in UTF-8 bytes. */
export const TEXT_LIMIT_BYTES = 2048;
