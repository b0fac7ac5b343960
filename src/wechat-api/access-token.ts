import type { Logger } from 'pino';
import { WeChatApiError } from '../core/errors.js';
import type { MetricsRecorder } from '../core/metrics.js';
import { FreshCredential, type FetchedCredential, type Refusal } from './fresh-credential.js';
import { checkResponseBody, type ApiTransport, type WeChatResponseBody } from './transport.js';
import type { StoredToken, TokenStore } from './token-store.js';

export { REFRESH_MARGIN_MS } from './fresh-credential.js';

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
  /** Counts each new token fetched (`wechat_token_refreshes_total`). */
  readonly metrics?: Pick<MetricsRecorder, 'countTokenRefresh'>;
}

/**
 * What calls with an access token need of it: the account's own (AccessToken, on its
 * AppSecret) or an authorised account's (the open platform's authorizer token).
 */
export interface AccessTokenSource {
  /** A valid access token, fetched only when none is stored or it is about to expire. */
  get(): Promise<string>;
  /** The token in force and when it expires, for systems that must call WeChat themselves. */
  current(): Promise<StoredToken>;
  /** Forgets `refused`, which WeChat rejected with `answer` (errcode 40001, 40014 or 42001). */
  invalidate(refused: string, answer?: WeChatResponseBody): Promise<void>;
}

/** WeChat allows `force_refresh: true` on stable_token at most this often. */
export const FORCE_REFRESH_INTERVAL_MS = 30 * 1000;

/**
 * The API credential, kept fresh (see FreshCredential): what is particular to it is
 * only how it is fetched. https://developers.weixin.qq.com/doc/offiaccount/Basic_Information/getStableAccessToken.html
 */
export class AccessToken implements AccessTokenSource {
  readonly #options: AccessTokenOptions;
  readonly #credential: FreshCredential;
  readonly #now: () => number;
  #lastForcedAt = -Infinity;

  constructor(options: AccessTokenOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#credential = new FreshCredential({
      name: 'access token',
      fetch: async (refused) => {
        const token = await this.#fetch(refused);
        options.metrics?.countTokenRefresh();
        return token;
      },
      store: options.store,
      now: options.now,
      logger: options.logger,
    });
  }

  /** A valid access token, fetched only when none is stored or it is about to expire. */
  get(): Promise<string> {
    return this.#credential.get();
  }

  /** The token in force and when it expires, for systems that must call WeChat themselves. */
  current(): Promise<StoredToken> {
    return this.#credential.current();
  }

  /** Forgets `refused`, which WeChat rejected with `answer` (errcode 40001, 40014 or 42001). */
  invalidate(refused: string, answer: WeChatResponseBody = {}): Promise<void> {
    return this.#credential.invalidate(refused, answer);
  }

  async #fetch(refused: Refusal | undefined): Promise<FetchedCredential> {
    const { transport, appId, appSecret, mode } = this.#options;
    if (mode === 'token') {
      const path = '/cgi-bin/token';
      const answer = await transport.send({
        method: 'GET',
        path,
        query: { grant_type: 'client_credential', appid: appId, secret: appSecret },
      });
      return toCredential(checkResponseBody(answer, path), path);
    }
    const token = await this.#fetchStable(false);
    if (token.value !== refused?.value) return token;
    // WeChat handed back the very token it refused: only a forced refresh replaces it.
    if (this.#now() - this.#lastForcedAt < FORCE_REFRESH_INTERVAL_MS) {
      const { answer } = refused;
      throw new WeChatApiError(
        typeof answer.errcode === 'number' ? answer.errcode : 40001,
        `${String(answer.errmsg ?? 'invalid credential')} (force_refresh was used less than 30 s ago)`,
        '/cgi-bin/stable_token',
      );
    }
    this.#lastForcedAt = this.#now();
    return this.#fetchStable(true);
  }

  async #fetchStable(forceRefresh: boolean): Promise<FetchedCredential> {
    const { transport, appId, appSecret } = this.#options;
    const path = '/cgi-bin/stable_token';
    const answer = await transport.send({
      method: 'POST',
      path,
      body: { grant_type: 'client_credential', appid: appId, secret: appSecret, force_refresh: forceRefresh },
    });
    return toCredential(checkResponseBody(answer, path), path);
  }
}

function toCredential(answer: WeChatResponseBody, path: string): FetchedCredential {
  const value = answer.access_token;
  const expiresIn = Number(answer.expires_in);
  if (typeof value !== 'string' || value === '' || !(expiresIn > 0)) {
    throw new WeChatApiError(-1, 'the answer has no access_token or expires_in', path);
  }
  return { value, expiresIn };
}
