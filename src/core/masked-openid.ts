/** The marker between the kept ends of a masked openid. */
const ELLIPSIS = '…';

/** From this length on, 4 characters are kept at each end (an openid has 28). */
const FULL_MASK_LENGTH = 12;

/**
 * An openid as logs and the console's live stream show it: its first 4 and last 4
 * characters (`oAbC…wxYz`), enough to tell users apart and find one, not enough to
 * message them. One shorter than 12 characters keeps a quarter of them at each end, so
 * that no length shows it whole.
 */
export function maskedOpenid(openid: string): string {
  const chars = Array.from(openid);
  const keep = chars.length >= FULL_MASK_LENGTH ? 4 : Math.floor(chars.length / 4);
  return `${chars.slice(0, keep).join('')}${ELLIPSIS}${keep === 0 ? '' : chars.slice(-keep).join('')}`;
}
