import type { Logger } from 'pino';
import { WeChatApiError } from '../errors.js';
import { checkAnswer, type ApiTransport, type WeChatAnswer } from './http.js';
import { createMemoryTokenStore, type StoredToken, type TokenStore } from './token-store.js';

export interface AccessTokenOptions {
  readonly transport: ApiTransport;
  readonly appId: string;
  readonly appSecret: string;
  /** `stable`: POST /cgi-bin/stable_token; `token`: GET /cgi-bin/token. */
  readonly mode: 'stable' | 'token';
  readonly store?: TokenStore;
  /** The clock, injectable so that expiry is tested without sleeping. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** Reuse a token until this long before WeChat says it expires. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;
/** WeChat allows `force_refresh: true` on stable_token at most this often. */
export const FORCE_REFRESH_INTERVAL_MS = 30 * 1000;

/**
 * The API credential, kept fresh. Concurrent callers share one fetch; the token is
 * reused until 5 minutes before it expires; a token WeChat refused is dropped only if
 * it is still the stored one. https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
 */
export class AccessToken {
  readonly #options: AccessTokenOptions;
  readonly #store: TokenStore;
  readonly #now: () => number;
  #local: StoredToken | undefined;
  #pending: Promise<string> | undefined;
  /** The token WeChat last refused, and the answer that refused it. */
  #refused: { value: string; answer: WeChatAnswer } | undefined;
  #lastForcedAt = -Infinity;

  constructor(options: AccessTokenOptions) {
    this.#options = options;
    this.#store = options.store ?? createMemoryTokenStore();
    this.#now = options.now ?? Date.now;
  }

  /** A valid access token, fetched only when none is stored or it is about to expire. */
  get(): Promise<string> {
    if (this.#local !== undefined && this.#isFresh(this.#local)) return Promise.resolve(this.#local.value);
    this.#pending ??= this.#load().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** The token in force and when it expires, for systems that must call WeChat themselves. */
  async current(): Promise<StoredToken> {
    const value = await this.get();
    const local = this.#local;
    // A concurrent refusal may have dropped it meanwhile: it is still the token handed out.
    return local?.value === value ? local : { value, expiresAt: this.#now() };
  }

  /** Forgets `refused`, which WeChat rejected with `answer` (errcode 40001, 40014 or 42001). */
  async invalidate(refused: string, answer: WeChatAnswer = {}): Promise<void> {
    this.#refused = { value: refused, answer };
    if (this.#local?.value === refused) this.#local = undefined;
    await this.#store.discard(refused);
  }

  #isFresh(token: StoredToken): boolean {
    return token.expiresAt - REFRESH_MARGIN_MS > this.#now();
  }

  async #load(): Promise<string> {
    const stored = await this.#store.read();
    if (stored !== undefined && this.#isFresh(stored) && stored.value !== this.#refused?.value) {
      this.#local = stored;
      return stored.value;
    }
    return this.#store.withRefreshLock(async () => {
      const again = await this.#store.read();
      if (again !== undefined && this.#isFresh(again) && again.value !== this.#refused?.value) {
        this.#local = again;
        return again.value;
      }
      const fetched = await this.#fetch();
      await this.#store.write(fetched);
      this.#local = fetched;
      this.#options.logger?.info({ expiresAt: new Date(fetched.expiresAt).toISOString() }, 'access token refreshed');
      return fetched.value;
    });
  }

  async #fetch(): Promise<StoredToken> {
    const { transport, appId, appSecret, mode } = this.#options;
    if (mode === 'token') {
      const path = '/cgi-bin/token';
      const answer = await transport.send({
        method: 'GET',
        path,
        query: { grant_type: 'client_credential', appid: appId, secret: appSecret },
      });
      return this.#toToken(checkAnswer(answer, path), path);
    }
    const token = await this.#fetchStable(false);
    if (token.value !== this.#refused?.value) return token;
    // WeChat handed back the very token it refused: only a forced refresh replaces it.
    if (this.#now() - this.#lastForcedAt < FORCE_REFRESH_INTERVAL_MS) {
      const { answer } = this.#refused;
      throw new WeChatApiError(
        typeof answer.errcode === 'number' ? answer.errcode : 40001,
        `${String(answer.errmsg ?? 'invalid credential')} (force_refresh was used less than 30 s ago)`,
        '/cgi-bin/stable_token',
      );
    }
    this.#lastForcedAt = this.#now();
    return this.#fetchStable(true);
  }

  async #fetchStable(forceRefresh: boolean): Promise<StoredToken> {
    const { transport, appId, appSecret } = this.#options;
    const path = '/cgi-bin/stable_token';
    const answer = await transport.send({
      method: 'POST',
      path,
      body: { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: forceRefresh },
    });
    return this.#toToken(checkAnswer(answer, path), path);
  }

  #toToken(answer: WeChatAnswer, path: string): StoredToken {
    const value = answer.access_token;
    const expiresIn = Number(answer.expires_in);
    if (typeof value !== 'string' || value === '' || !(expiresIn > 0)) {
      throw new WeChatApiError(-1, 'the answer has no access_token or expires_in', path);
    }
    // A lifetime shorter than the margin would never count as fresh: keep half of it.
    const lifetime = expiresIn * 1000;
    const margin = Math.min(REFRESH_MARGIN_MS, lifetime / 2);
    return { value, expiresAt: this.#now() + lifetime - margin + REFRESH_MARGIN_MS };
  }
}
