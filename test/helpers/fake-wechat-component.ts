import { randomBytes } from 'node:crypto';
import { createWeChatSide, type WeChatSide } from '../../src/testing.js';
import { sha1Signature, WeChatCrypto } from './wechat-crypto.js';

type Answer = Record<string, unknown>;

/** The authorised account's permission sets the fake grants (func_info). */
const FUNC_INFO = [{ funcscope_category: { id: 1 } }, { funcscope_category: { id: 15 } }];

/**
 * The fake's third-party platform (第三方平台): `/cgi-bin/component/*` with WeChat's
 * errcodes, the tickets it "pushed", the authorisation codes, and the refresh and access
 * tokens it issued; and `push`, which sends an encrypted push to the server's
 * `/open/events` as WeChat does.
 */
export class FakeComponent {
  readonly appId = 'wx_component_fake_0001';
  readonly secret = 'fake-component-secret-4b8e0c';
  readonly token = 'fakecomponenttoken';
  readonly aesKey = 'ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut';
  expiresIn = 7200;
  /** The tickets WeChat would accept; a ticket pushed is added. */
  readonly tickets = new Set<string>();
  /** The component_access_tokens issued and still valid. */
  readonly componentTokens = new Set<string>();
  /** Each authorisation code's account. */
  readonly #codes = new Map<string, string>();
  /** Each account's refresh token in force. */
  readonly refreshTokens = new Map<string, string>();
  /** The authorizer_access_tokens issued, with their account. */
  readonly authorizerTokens = new Map<string, string>();
  /** Each account's nickname (`authorizer_info.nick_name`), when not `account <appid>`. */
  readonly nicknames = new Map<string, string>();
  /** The pre_auth_codes issued (api_create_preauthcode), in order. */
  readonly preAuthCodes: string[] = [];
  /** How many times the server asked for a push (api_start_push_ticket). */
  pushRequests = 0;
  #serial = 0;
  readonly crypto = new WeChatCrypto(this.aesKey, this.token, this.appId);

  /** The environment that makes the app this fake's platform. */
  env(): Record<string, string> {
    return {
      WECHAT_COMPONENT_APPID: this.appId,
      WECHAT_COMPONENT_SECRET: this.secret,
      WECHAT_COMPONENT_TOKEN: this.token,
      WECHAT_COMPONENT_AES_KEY: this.aesKey,
    };
  }

  /** A new ticket WeChat accepts, as if about to push it. */
  newTicket(): string {
    const ticket = `ticket@@@${++this.#serial}_${randomBytes(6).toString('hex')}`;
    this.tickets.add(ticket);
    return ticket;
  }

  /** An authorisation code for `authorizerAppId`, as after the account's admin scanned the QR code. */
  newCode(authorizerAppId: string): string {
    const code = `queryauthcode@@@${++this.#serial}`;
    this.#codes.set(code, authorizerAppId);
    return code;
  }

  /** Everything secret the fake issued, to search logs and stores for. */
  secrets(): string[] {
    return [
      this.secret,
      this.aesKey,
      ...this.tickets,
      ...this.componentTokens,
      ...this.refreshTokens.values(),
      ...this.authorizerTokens.keys(),
    ];
  }

  /** The XML of a push. */
  static ticketXml(appId: string, ticket: string): string {
    return `<xml><AppId><![CDATA[${appId}]]></AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><InfoType><![CDATA[component_verify_ticket]]></InfoType><ComponentVerifyTicket><![CDATA[${ticket}]]></ComponentVerifyTicket></xml>`;
  }

  authorizationXml(infoType: 'authorized' | 'updateauthorized', authorizerAppId: string, code: string): string {
    const now = Math.floor(Date.now() / 1000);
    return `<xml><AppId><![CDATA[${this.appId}]]></AppId><CreateTime>${now}</CreateTime><InfoType><![CDATA[${infoType}]]></InfoType><AuthorizerAppid><![CDATA[${authorizerAppId}]]></AuthorizerAppid><AuthorizationCode><![CDATA[${code}]]></AuthorizationCode><AuthorizationCodeExpiredTime>${now + 3600}</AuthorizationCodeExpiredTime><PreAuthCode><![CDATA[preauthcode@@@x]]></PreAuthCode></xml>`;
  }

  unauthorizationXml(authorizerAppId: string): string {
    return `<xml><AppId><![CDATA[${this.appId}]]></AppId><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><InfoType><![CDATA[unauthorized]]></InfoType><AuthorizerAppid><![CDATA[${authorizerAppId}]]></AuthorizerAppid></xml>`;
  }

  /** A push as WeChat sends it: the query (signature, timestamp, nonce, encrypt_type, msg_signature) and the body. */
  sealedPush(xml: string, options: { appId?: string; timestamp?: number } = {}): { query: string; body: string } {
    const encrypted = this.crypto.encrypt(xml, { appId: options.appId ?? this.appId });
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = String(randomBytes(4).readUInt32BE());
    const query = new URLSearchParams({
      signature: sha1Signature(this.token, timestamp, nonce),
      timestamp,
      nonce,
      encrypt_type: 'aes',
      msg_signature: sha1Signature(this.token, timestamp, nonce, encrypted),
    }).toString();
    return { query, body: `<xml><AppId><![CDATA[${this.appId}]]></AppId><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>` };
  }

  /** Sends `xml` to the server's `/open/events` as WeChat does; the answer's status and text. */
  async push(appUrl: string, xml: string, options: { appId?: string; timestamp?: number } = {}): Promise<{ status: number; text: string }> {
    const { query, body } = this.sealedPush(xml, options);
    const response = await fetch(`${appUrl}/open/events?${query}`, { method: 'POST', body, headers: { 'Content-Type': 'text/xml' } });
    return { status: response.status, text: await response.text() };
  }

  /** Makes `appId` authorise the platform, as WeChat pushes it; throws unless the push is answered `success`. */
  async authorise(appUrl: string, appId: string): Promise<void> {
    const { status, text } = await this.push(appUrl, this.authorizationXml('authorized', appId, this.newCode(appId)));
    if (status !== 200 || text !== 'success') throw new Error(`the authorisation push was answered ${status} ${text}`);
  }

  /** WeChat's side of an authorised account's messages: signed and sealed with the platform's token, key and AppID. */
  sideOf(appId: string, account = `gh_${appId}`): WeChatSide {
    return createWeChatSide({ token: this.token, encodingAesKey: this.aesKey, appId: this.appId, account });
  }

  /** Posts a signed request to the app's `/open/messages/<appid>`, as WeChat does; the answer's status and text. */
  async postMessage(appUrl: string, appId: string, signed: { query: string; body: string }): Promise<{ status: number; text: string }> {
    const response = await fetch(`${appUrl}/open/messages/${appId}?${signed.query}`, { method: 'POST', body: signed.body });
    return { status: response.status, text: await response.text() };
  }

  /** A text from `user` to the authorised account, checked as WeChat would: the reply's content, undefined for none. */
  async say(appUrl: string, appId: string, content: string, user: string): Promise<string | undefined> {
    const side = this.sideOf(appId);
    const signed = side.signRequest(side.messageXml({ MsgType: 'text', Content: content }, { user }), { user });
    const { status, text } = await this.postMessage(appUrl, appId, signed);
    const reply = side.checkReply(status, text, { user }).reply;
    return reply === undefined ? undefined : String(reply.Content);
  }

  /** Pushes a new ticket; returns it. */
  async pushTicket(appUrl: string): Promise<string> {
    const ticket = this.newTicket();
    const { status, text } = await this.push(appUrl, FakeComponent.ticketXml(this.appId, ticket));
    if (status !== 200 || text !== 'success') throw new Error(`the ticket push was answered ${status} ${text}`);
    return ticket;
  }

  /** Makes every component_access_token issued so far invalid. */
  revokeComponentTokens(): void {
    this.componentTokens.clear();
  }

  /** Paths under `/cgi-bin/component/`; undefined for any other. */
  answer(path: string, query: Readonly<Record<string, string>>, body: Answer | undefined): Answer | undefined {
    if (!path.startsWith('/cgi-bin/component/')) return undefined;
    const appIdProblem = body?.component_appid !== this.appId ? { errcode: 40013, errmsg: 'invalid appid' } : undefined;
    const tokenProblem = (): Answer | undefined =>
      appIdProblem ??
      (this.componentTokens.has(query.component_access_token ?? '')
        ? undefined
        : { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' });
    switch (path) {
      case '/cgi-bin/component/api_start_push_ticket':
        if (appIdProblem) return appIdProblem;
        if (body?.component_secret !== this.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
        this.pushRequests++;
        return { errcode: 0, errmsg: 'ok' };
      case '/cgi-bin/component/api_component_token': {
        if (appIdProblem) return appIdProblem;
        if (typeof body?.component_appsecret !== 'string') return { errcode: 41004, errmsg: 'appsecret missing' };
        if (body.component_appsecret !== this.secret) return { errcode: 40125, errmsg: 'invalid appsecret' };
        if (!this.tickets.has(String(body.component_verify_ticket))) return { errcode: 61006, errmsg: 'component ticket is invalid' };
        const token = `COMPONENT_TOKEN_${++this.#serial}_${randomBytes(6).toString('hex')}`;
        this.componentTokens.add(token);
        return { component_access_token: token, expires_in: this.expiresIn };
      }
      case '/cgi-bin/component/api_create_preauthcode': {
        const problem = tokenProblem();
        if (problem) return problem;
        const code = `preauthcode@@@${++this.#serial}_${randomBytes(6).toString('hex')}`;
        this.preAuthCodes.push(code);
        return { pre_auth_code: code, expires_in: 1800 };
      }
      case '/cgi-bin/component/api_query_auth': {
        const problem = tokenProblem();
        if (problem) return problem;
        const code = String(body?.authorization_code);
        const appId = this.#codes.get(code);
        if (appId === undefined) return { errcode: 61010, errmsg: 'code is expired' };
        this.#codes.delete(code);
        return { authorization_info: { ...this.#issueAuthorizer(appId), func_info: FUNC_INFO } };
      }
      case '/cgi-bin/component/api_authorizer_token': {
        const problem = tokenProblem();
        if (problem) return problem;
        const appId = String(body?.authorizer_appid);
        if (this.refreshTokens.get(appId) !== body?.authorizer_refresh_token) return { errcode: 61023, errmsg: 'refresh_token is invalid' };
        return this.#issueAuthorizer(appId);
      }
      case '/cgi-bin/component/api_get_authorizer_info': {
        const problem = tokenProblem();
        if (problem) return problem;
        const appId = String(body?.authorizer_appid);
        if (!this.refreshTokens.has(appId)) return { errcode: 61003, errmsg: 'component is not authorized by this account' };
        return {
          authorizer_info: { nick_name: this.nicknames.get(appId) ?? `account ${appId}`, user_name: `gh_${appId}` },
          authorization_info: { authorizer_appid: appId, func_info: FUNC_INFO },
        };
      }
      default:
        return { errcode: 404, errmsg: `the fake does not know ${path}` };
    }
  }

  #issueAuthorizer(appId: string): Answer {
    const access = `AUTHORIZER_TOKEN_${++this.#serial}_${randomBytes(6).toString('hex')}`;
    const refresh = `refreshtoken@@@${this.#serial}_${randomBytes(6).toString('hex')}`;
    this.authorizerTokens.set(access, appId);
    this.refreshTokens.set(appId, refresh);
    return { authorizer_appid: appId, authorizer_access_token: access, expires_in: this.expiresIn, authorizer_refresh_token: refresh };
  }
}
