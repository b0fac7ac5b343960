import type { Logger } from 'pino';
import { TicketMissingError, WeChatApiError } from '../core/errors.js';
import type { MetricsRecorder } from '../core/metrics.js';
import { FreshCredential, type FetchedCredential } from '../wechat-api/fresh-credential.js';
import { checkResponseBody, type ApiRequest, type ApiTransport, type WeChatResponseBody } from '../wechat-api/transport.js';
import type { OpenPlatformState } from './platform-state.js';

/** WeChat pushes a ticket every 10 minutes; ask it to push one at most this often. */
export const PUSH_REQUEST_INTERVAL_MS = 10 * 60 * 1000;
/** A ticket is good for 12 hours: one older makes the server ask for a push (and still try it). */
export const TICKET_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** The errcodes that mean "the ticket is expired (61005) or invalid (61006)". */
const TICKET_REFUSED = new Set([61005, 61006]);
/** The errcodes that mean "this component_access_token is not valid (any more)". */
const TOKEN_INVALID = new Set([40001, 40014, 42001]);

export interface ComponentTokenOptions {
  readonly transport: ApiTransport;
  readonly componentAppId: string;
  readonly componentSecret: string;
  readonly state: OpenPlatformState;
  readonly now?: () => number;
  readonly logger?: Logger;
  readonly metrics?: Pick<MetricsRecorder, 'countTokenRefresh'>;
}

/**
 * The platform's component_access_token, kept fresh as the access token is
 * (FreshCredential: early refresh, one fetch at a time, the store's lock across
 * instances, a refused token dropped only if it is still the stored one), fetched with
 * the stored component_verify_ticket. Without a ticket, or when WeChat refuses it
 * (61005, 61006, which drop it), callers get a TicketMissingError at once, and WeChat
 * is asked to push one (`api_start_push_ticket`, at most once per 10 minutes).
 */
export class ComponentToken {
  readonly #options: ComponentTokenOptions;
  readonly #credential: FreshCredential;
  readonly #now: () => number;

  constructor(options: ComponentTokenOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#credential = new FreshCredential({
      name: 'component access token',
      fetch: async () => {
        const token = await this.#fetch();
        options.metrics?.countTokenRefresh();
        return token;
      },
      store: options.state.componentToken,
      now: options.now,
      logger: options.logger,
      backsOff: (error) => !(error instanceof TicketMissingError),
    });
  }

  /** A valid component_access_token; TicketMissingError while there is no ticket. */
  get(): Promise<string> {
    return this.#credential.get();
  }

  /** Forgets `refused`, which WeChat rejected with `answer` (errcode 40001, 40014 or 42001). */
  invalidate(refused: string, answer: WeChatResponseBody = {}): Promise<void> {
    return this.#credential.invalidate(refused, answer);
  }

  /**
   * Calls one of the platform's APIs with `component_access_token` in its query. A
   * token-invalid errcode drops the token (if still the refused one), fetches a new one
   * and retries once; any other errcode throws WeChatApiError.
   */
  async call(request: ApiRequest): Promise<WeChatResponseBody> {
    const { transport } = this.#options;
    const attempt = (token: string) => transport.send({ ...request, query: { ...request.query, component_access_token: token } });
    const token = await this.get();
    let answer = await attempt(token);
    if (typeof answer.errcode === 'number' && TOKEN_INVALID.has(answer.errcode)) {
      await this.invalidate(token, answer);
      answer = await attempt(await this.get());
    }
    return checkResponseBody(answer, request.path);
  }

  /**
   * Asks WeChat to push a ticket now, unless one was asked for in the last 10 minutes
   * (by any instance). Never throws: a failure is logged, and the next push comes anyway.
   */
  async requestTicketPush(): Promise<void> {
    const { transport, componentAppId, componentSecret, state, logger } = this.#options;
    const path = '/cgi-bin/component/api_start_push_ticket';
    try {
      if (!(await state.claimPushRequest(PUSH_REQUEST_INTERVAL_MS))) return;
      const answer = await transport.send({
        method: 'POST',
        path,
        body: { component_appid: componentAppId, component_secret: componentSecret },
      });
      checkResponseBody(answer, path);
      logger?.info('asked WeChat to push a component_verify_ticket');
    } catch (error) {
      const { errcode, errmsg, code } = error as { errcode?: unknown; errmsg?: unknown; code?: unknown };
      logger?.warn({ code, errcode, errmsg, path }, 'could not ask WeChat to push a component_verify_ticket');
    }
  }

  /** A ticket to fetch with: the stored one (asking for a push when it is old), or TicketMissingError. */
  async #ticket(): Promise<string> {
    const ticket = await this.#options.state.readTicket();
    if (ticket === undefined) {
      void this.requestTicketPush();
      throw new TicketMissingError();
    }
    if (this.#now() - ticket.receivedAt > TICKET_LIFETIME_MS) void this.requestTicketPush();
    return ticket.value;
  }

  async #fetch(): Promise<FetchedCredential> {
    const { transport, componentAppId, componentSecret, state, logger } = this.#options;
    const ticket = await this.#ticket();
    const path = '/cgi-bin/component/api_component_token';
    const answer = await transport.send({
      method: 'POST',
      path,
      body: { component_appid: componentAppId, component_appsecret: componentSecret, component_verify_ticket: ticket },
    });
    if (typeof answer.errcode === 'number' && TICKET_REFUSED.has(answer.errcode)) {
      await state.discardTicket(ticket);
      logger?.warn(
        { errcode: answer.errcode, errmsg: answer.errmsg },
        'WeChat refused the component_verify_ticket: waiting for its next push',
      );
      void this.requestTicketPush();
      throw new TicketMissingError(answer.errcode, String(answer.errmsg ?? ''));
    }
    checkResponseBody(answer, path);
    const value = answer.component_access_token;
    const expiresIn = Number(answer.expires_in);
    if (typeof value !== 'string' || value === '' || !(expiresIn > 0)) {
      throw new WeChatApiError(-1, 'the answer has no component_access_token or expires_in', path);
    }
    return { value, expiresIn };
  }
}
