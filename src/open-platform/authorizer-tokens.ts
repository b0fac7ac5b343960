import type { Logger } from 'pino';
import { ReauthorizationNeededError, UnknownAccountError, WeChatApiError } from '../core/errors.js';
import { FreshCredential, type FetchedCredential } from '../wechat-api/fresh-credential.js';
import type { StoredToken } from '../wechat-api/token-store.js';
import type { WeChatResponseBody } from '../wechat-api/transport.js';
import type { ComponentToken } from './component-token.js';
import type { AuthorizerRecord, OpenPlatformState } from './platform-state.js';
import type { RefreshTokenSeal } from './refresh-token-seal.js';

/** WeChat's "the refresh token is not valid": the account must authorise the platform again. */
const REFRESH_TOKEN_INVALID = 61023;

export interface AuthorizerTokensOptions {
  readonly componentAppId: string;
  readonly component: Pick<ComponentToken, 'call'>;
  readonly state: OpenPlatformState;
  readonly seal: RefreshTokenSeal;
  readonly now?: () => number;
  readonly logger?: Logger;
}

/** What `authorize` learnt from `api_query_auth`. */
export interface Authorization {
  readonly appId: string;
  readonly funcInfo: readonly number[];
}

/** What an authorisation code was exchanged for (`api_query_auth`). */
export interface CodeExchange extends Authorization {
  readonly accessToken: string | undefined;
  readonly expiresIn: number;
  readonly refreshToken: string;
}

/** The funcscope_category ids of func_info, whatever else it holds. */
function funcInfoIds(funcInfo: unknown): number[] {
  if (!Array.isArray(funcInfo)) return [];
  return funcInfo
    .map((entry) => (entry as { funcscope_category?: { id?: unknown } } | null)?.funcscope_category?.id)
    .filter((id): id is number => typeof id === 'number');
}

/**
 * Each authorised account's authorizer_access_token: the one `api_query_auth` gave,
 * until it is due for refresh; then `api_authorizer_token` with the stored refresh token
 * (kept sealed), storing the refresh token it returns. Kept fresh per account as the
 * access token is (FreshCredential over the state's store and its lock). WeChat's 61023
 * marks the account as needing re-authorisation: its calls then fail with
 * ReauthorizationNeededError until it authorises again.
 */
export class AuthorizerTokens {
  readonly #options: AuthorizerTokensOptions;
  readonly #now: () => number;
  readonly #credentials = new Map<string, FreshCredential>();

  constructor(options: AuthorizerTokensOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /**
   * A valid access token of the authorised account `appId`. Throws UnknownAccountError
   * when it has not authorised the platform, ReauthorizationNeededError when it must again.
   */
  async get(appId: string): Promise<string> {
    const record = await this.#options.state.readAuthorizer(appId);
    if (record === undefined) throw new UnknownAccountError();
    if (record.needsReauthorization) throw new ReauthorizationNeededError(appId);
    return this.#credential(appId).get();
  }

  /** The account's token in force and when it expires (as `get`, with its expiry). */
  async current(appId: string): Promise<StoredToken> {
    const record = await this.#options.state.readAuthorizer(appId);
    if (record === undefined) throw new UnknownAccountError();
    if (record.needsReauthorization) throw new ReauthorizationNeededError(appId);
    return this.#credential(appId).current();
  }

  /** Forgets `refused`, the account's token WeChat rejected with `answer` (40001, 40014, 42001). */
  invalidate(appId: string, refused: string, answer: WeChatResponseBody = {}): Promise<void> {
    return this.#credential(appId).invalidate(refused, answer);
  }

  /**
   * An `authorized` or `updateauthorized` push: exchanges its code (`api_query_auth`) and
   * keeps what it gives, replacing the account's refresh token and access token.
   */
  async authorize(authorizationCode: string): Promise<Authorization> {
    const { state, seal, logger } = this.#options;
    const { appId, accessToken, expiresIn, refreshToken, funcInfo } = await this.exchange(authorizationCode);
    const record: AuthorizerRecord = {
      appId,
      sealedRefreshToken: seal.seal(appId, refreshToken),
      authorizedAt: this.#now(),
      needsReauthorization: false,
      funcInfo,
    };
    await state.writeAuthorizer(record);
    // A credential of this process made before holds the old token and refusals: start afresh.
    this.#credentials.delete(appId);
    if (accessToken !== undefined) {
      await state.authorizerToken(appId).write({ value: accessToken, expiresAt: this.#now() + expiresIn * 1000 });
    }
    logger?.info({ authorizer: appId, funcInfo }, 'an account authorised the platform');
    return { appId, funcInfo };
  }

  /**
   * What `api_query_auth` gives for an authorisation code, kept nowhere: the account, its
   * access token (undefined when the answer has none usable) and its refresh token.
   */
  async exchange(authorizationCode: string): Promise<CodeExchange> {
    const { component, componentAppId } = this.#options;
    const path = '/cgi-bin/component/api_query_auth';
    const answer = await component.call({
      method: 'POST',
      path,
      body: { component_appid: componentAppId, authorization_code: authorizationCode },
    });
    const info = (answer.authorization_info ?? {}) as Record<string, unknown>;
    const appId = info.authorizer_appid;
    const accessToken = info.authorizer_access_token;
    const refreshToken = info.authorizer_refresh_token;
    const expiresIn = Number(info.expires_in);
    if (typeof appId !== 'string' || appId === '' || typeof refreshToken !== 'string' || refreshToken === '') {
      throw new WeChatApiError(-1, 'the answer has no authorizer_appid or authorizer_refresh_token', path);
    }
    const usable = typeof accessToken === 'string' && accessToken !== '' && expiresIn > 0;
    return { appId, accessToken: usable ? accessToken : undefined, expiresIn, refreshToken, funcInfo: funcInfoIds(info.func_info) };
  }

  /** An `unauthorized` push: the account's tokens and state are dropped. */
  async unauthorize(appId: string): Promise<void> {
    await this.#options.state.deleteAuthorizer(appId);
    this.#credentials.delete(appId);
    this.#options.logger?.info({ authorizer: appId }, 'an account took back its authorisation');
  }

  #credential(appId: string): FreshCredential {
    let credential = this.#credentials.get(appId);
    if (credential === undefined) {
      credential = new FreshCredential({
        name: `authorizer access token of ${appId}`,
        fetch: () => this.#refresh(appId),
        store: this.#options.state.authorizerToken(appId),
        now: this.#options.now,
        logger: this.#options.logger,
        backsOff: (error) => !(error instanceof ReauthorizationNeededError || error instanceof UnknownAccountError),
      });
      this.#credentials.set(appId, credential);
    }
    return credential;
  }

  async #refresh(appId: string): Promise<FetchedCredential> {
    const { component, componentAppId, state, seal, logger } = this.#options;
    const record = await state.readAuthorizer(appId);
    if (record === undefined) throw new UnknownAccountError();
    if (record.needsReauthorization) throw new ReauthorizationNeededError(appId);
    let refreshToken: string;
    try {
      refreshToken = seal.open(appId, record.sealedRefreshToken);
    } catch {
      // Sealed with another WECHAT_COMPONENT_SECRET, or altered: only a new authorisation mends it.
      logger?.warn({ authorizer: appId }, "the account's stored refresh token cannot be opened: it must authorise the platform again");
      await state.markNeedsReauthorization(appId, record.sealedRefreshToken);
      throw new ReauthorizationNeededError(appId);
    }
    const path = '/cgi-bin/component/api_authorizer_token';
    let answer: WeChatResponseBody;
    try {
      answer = await component.call({
        method: 'POST',
        path,
        body: { component_appid: componentAppId, authorizer_appid: appId, authorizer_refresh_token: refreshToken },
      });
    } catch (error) {
      if (error instanceof WeChatApiError && error.errcode === REFRESH_TOKEN_INVALID) {
        logger?.warn(
          { authorizer: appId, errcode: error.errcode },
          'WeChat refused the refresh token: the account must authorise the platform again',
        );
        await state.markNeedsReauthorization(appId, record.sealedRefreshToken);
        throw new ReauthorizationNeededError(appId);
      }
      throw error;
    }
    const value = answer.authorizer_access_token;
    const expiresIn = Number(answer.expires_in);
    if (typeof value !== 'string' || value === '' || !(expiresIn > 0)) {
      throw new WeChatApiError(-1, 'the answer has no authorizer_access_token or expires_in', path);
    }
    const next = answer.authorizer_refresh_token;
    if (typeof next === 'string' && next !== '' && next !== refreshToken) {
      await state.writeAuthorizer({ ...record, sealedRefreshToken: seal.seal(appId, next) });
    }
    return { value, expiresIn };
  }
}
