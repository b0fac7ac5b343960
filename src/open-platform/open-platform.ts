import { hkdfSync } from 'node:crypto';
import type { Logger } from 'pino';
import type { ComponentConfig } from '../core/config.js';
import type { MetricsRecorder } from '../core/metrics.js';
import type { ComponentEvent } from '../protocol/component-event.js';
import { createApiTransport, type ApiTransport } from '../wechat-api/transport.js';
import { AuthorizerTokens, type Authorization } from './authorizer-tokens.js';
import { ComponentToken, TICKET_LIFETIME_MS } from './component-token.js';
import type { OpenPlatformState } from './platform-state.js';
import { createRefreshTokenSeal } from './refresh-token-seal.js';

export interface OpenPlatformOptions {
  readonly component: ComponentConfig;
  readonly state: OpenPlatformState;
  /** WECHAT_API_BASE, or a transport of the caller's. */
  readonly apiBase?: string;
  readonly transport?: ApiTransport;
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly metrics?: Pick<MetricsRecorder, 'countTokenRefresh' | 'countApiCall'>;
}

/**
 * The server as a third-party platform (第三方平台): what WeChat pushes to
 * `/open/events` (the ticket, authorisations), the component_access_token, and each
 * authorised account's authorizer_access_token.
 */
export class OpenPlatform {
  readonly componentAppId: string;
  readonly componentToken: ComponentToken;
  readonly authorizers: AuthorizerTokens;
  readonly state: OpenPlatformState;
  /** The platform's way to WeChat's API (WECHAT_API_BASE), counted in the platform's series. */
  readonly transport: ApiTransport;
  readonly #now: () => number;
  readonly #logger: Logger | undefined;
  readonly #secret: string;
  readonly #listeners = new Set<(appId: string) => void>();

  constructor(options: OpenPlatformOptions) {
    const { component, state, now, logger } = options;
    const transport = options.transport ?? createApiTransport(options.apiBase ?? 'https://api.weixin.qq.com', undefined, options.metrics);
    this.transport = transport;
    this.componentAppId = component.appId;
    this.#secret = component.secret;
    this.state = state;
    this.#now = now ?? Date.now;
    this.#logger = logger;
    this.componentToken = new ComponentToken({
      transport,
      componentAppId: component.appId,
      componentSecret: component.secret,
      state,
      now,
      logger,
      metrics: options.metrics,
    });
    this.authorizers = new AuthorizerTokens({
      componentAppId: component.appId,
      component: this.componentToken,
      state,
      seal: createRefreshTokenSeal(component.appId, component.secret),
      now,
      logger,
    });
  }

  /**
   * The secret an authorised account's cookies are signed with (it has no AppSecret of
   * its own here): derived from WECHAT_COMPONENT_SECRET for that account alone.
   */
  cookieSecret(appId: string): string {
    return Buffer.from(
      hkdfSync('sha256', this.#secret, `${this.componentAppId}\n${appId}`, 'wechat-oa-server authorised account cookies v1', 32),
    ).toString('base64url');
  }

  /** At start-up: without a ticket, or with one older than 12 hours, asks WeChat to push one. */
  async start(): Promise<void> {
    try {
      const ticket = await this.state.readTicket();
      if (ticket === undefined || this.#now() - ticket.receivedAt > TICKET_LIFETIME_MS) await this.componentToken.requestTicketPush();
    } catch (error) {
      this.#logger?.warn({ err: error }, 'could not read the open platform’s ticket at start-up');
    }
  }

  /** Acts on a push WeChat sent to `/open/events`; throws when it must be sent again (WeChat retries). */
  async handleEvent(event: ComponentEvent): Promise<void> {
    switch (event.InfoType) {
      case 'component_verify_ticket':
        await this.state.writeTicket({ value: event.ComponentVerifyTicket, receivedAt: this.#now() });
        this.#logger?.debug('component_verify_ticket received');
        return;
      case 'authorized':
      case 'updateauthorized': {
        const { appId } = await this.authorize(event.AuthorizationCode);
        if (appId !== event.AuthorizerAppid) {
          this.#logger?.warn({ pushed: event.AuthorizerAppid, authorizer: appId }, 'the push named another account than api_query_auth');
        }
        return;
      }
      case 'unauthorized':
        await this.authorizers.unauthorize(event.AuthorizerAppid);
        this.#changed(event.AuthorizerAppid);
        return;
      case 'other':
        this.#logger?.debug({ infoType: event.infoType }, 'an open-platform push left alone');
        return;
    }
  }

  /**
   * An authorisation code (from an `authorized` push or `/open/authorize/callback`)
   * exchanged and kept: the account is authorised from now on. Both may come for one
   * authorisation; the second exchange just replaces the first's tokens.
   */
  async authorize(authorizationCode: string): Promise<Authorization> {
    const authorization = await this.authorizers.authorize(authorizationCode);
    this.#changed(authorization.appId);
    return authorization;
  }

  /** Calls `listener` with an account's AppID each time this process sees it authorise or withdraw. */
  onAuthorizationChange(listener: (appId: string) => void): void {
    this.#listeners.add(listener);
  }

  #changed(appId: string): void {
    for (const listener of this.#listeners) {
      try {
        listener(appId);
      } catch (error) {
        this.#logger?.error({ err: error }, 'a listener of authorisations failed');
      }
    }
  }

  close(): Promise<void> {
    return this.state.close();
  }
}
