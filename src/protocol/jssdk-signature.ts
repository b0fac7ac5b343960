import { createHash, randomBytes } from 'node:crypto';

/** What `wx.config` is signed over. */
export interface JssdkSignInput {
  readonly ticket: string;
  readonly nonceStr: string;
  /** Seconds since the epoch. */
  readonly timestamp: number | string;
  /** The page's URL as the page sees it; its `#…` part is not signed. */
  readonly url: string;
}

/** The URL as WeChat's JS-SDK signs it: everything before the first `#`, untouched. */
export function signedUrl(url: string): string {
  const hash = url.indexOf('#');
  return hash === -1 ? url : url.slice(0, hash);
}

/**
 * The JS-SDK signature: hex SHA-1 of the four fields in this fixed order (already
 * WeChat's ASCII order), the URL neither encoded nor decoded.
 * https://developers.weixin.qq.com/doc/offiaccount/OA_Web_Apps/JS-SDK.html#62
 */
export function signJssdk({ ticket, nonceStr, timestamp, url }: JssdkSignInput): string {
  const text = `jsapi_ticket=${ticket}&noncestr=${nonceStr}&timestamp=${timestamp}&url=${signedUrl(url)}`;
  return createHash('sha1').update(text, 'utf8').digest('hex');
}

const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random nonceStr of letters and digits (WeChat allows at most 32 characters). */
export function createNonceStr(length = 16): string {
  // 62 × 4 = 248 ≤ 256: rejecting the few bytes above keeps every character equally likely.
  let nonce = '';
  while (nonce.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && nonce.length < length) nonce += NONCE_ALPHABET[byte % 62];
    }
  }
  return nonce;
}
