/**
 * An id WeChat answers as a JSON number or as a string (publish_id, msg_id,
 * msg_data_id), as a string: the callers store and compare ids as text. Undefined when
 * it is neither a non-negative integer nor a non-empty string.
 *
 * A number past 2^53 would already have lost digits in JSON.parse; WeChat's ids of
 * these kinds have about ten digits, well within it.
 */
export function idText(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : undefined;
  return typeof value === 'string' && value !== '' ? value : undefined;
}
