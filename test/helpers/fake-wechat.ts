import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { UserProfile } from '../../src/wechat-api/oauth.js';
import { FakeAccount, parseMultipart } from './fake-wechat-account.js';
import { FakeMenus } from './fake-wechat-menu.js';
import { FakeNotices } from './fake-wechat-notices.js';
import { FakeTags } from './fake-wechat-tags.js';
import { FakePublishing } from './fake-wechat-publishing.js';
import { FakeJsapiTickets, TICKET_PATH } from './fake-jsapi-ticket.js';
import { FakeComponent } from './fake-wechat-component.js';

/** One call the fake received. */
export interface RecordedCall {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  readonly body: unknown;
}

/** What the fake does with the next call(s) to a path instead of answering normally. */
export interface Behaviour {
  readonly errcode?: number;
  readonly errmsg?: string;
  readonly delayMs?: number;
  readonly hang?: boolean;
  /** A JSON answer to send as it is (for malformed answers). */
  readonly body?: unknown;
  /** The answer's bytes, sent as they are (for what JSON.stringify cannot write, like JSON nested 9,000 deep). */
  readonly raw?: string;
  /** How many calls it applies to (default 1). */
  readonly times?: number;
}

export type { UserProfile };

/**
 * A fake of WeChat's API on 127.0.0.1: a real HTTP server the app reaches through
 * WECHAT_API_BASE. It issues and checks access tokens, counts calls, records bodies,
 * and can be told to answer an errcode, to delay, or to hang.
 */
export class FakeWeChat {
  readonly appId = 'wx_fake_appid_0001';
  readonly appSecret = 'fake-app-secret-7c1f9e2d';
  expiresIn = 7200;
  readonly calls: RecordedCall[] = [];
  /** The custom menus (`/cgi-bin/menu/*`), in their own module. */
  readonly menus = new FakeMenus();
  /** The JS-SDK's jsapi tickets (test/helpers/fake-jsapi-ticket.ts). */
  readonly jsapi = new FakeJsapiTickets();
  /** Subscription notices: `/wxaapi/newtmpl/*` and `bizsend` (test/helpers/fake-wechat-notices.ts). */
  readonly notices = new FakeNotices();
  /** The third-party platform's `/cgi-bin/component/*`, and its pushes (test/helpers/fake-wechat-component.ts). */
  readonly component = new FakeComponent();
  readonly #valid = new Map<string, number>();
  /** The AppSecret of each account the fake knows: its own first, then those `addAccount` adds. */
  readonly #secrets = new Map<string, string>([[this.appId, this.appSecret]]);
  /** Whose each access token is. */
  readonly #owners = new Map<string, string>();
  /** Each account's stable token. */
  readonly #stable = new Map<string, string>();
  #serial = 0;
  readonly #behaviours = new Map<string, Behaviour[]>();
  readonly #codes = new Map<string, UserProfile>();
  readonly #oauthTokens = new Map<string, UserProfile>();
  readonly #sockets = new Set<Socket>();
  readonly #server = createServer((req, res) => void this.#handle(req, res));
  url = '';
  /** Templates, followers and media (fake-wechat-account.ts). */
  readonly account = new FakeAccount();
  /** The user tags, remarks and blacklist of the account's followers (fake-wechat-tags.ts). */
  readonly tags = new FakeTags(() => this.account.followers);
  /** Article images, drafts, free publish and mass send (fake-wechat-publishing.ts); a sendall reaches every follower or a tag's. */
  readonly publishing = new FakePublishing((filter) =>
    filter?.is_to_all === true ? this.account.followers.length : (this.tags.members.get(Number(filter?.tag_id))?.length ?? 0),
  );

  async start(): Promise<this> {
    this.#server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    await new Promise((resolve) => this.#server.close(resolve));
  }

  /** The environment that points the app at this fake. */
  env(): Record<string, string> {
    return { WECHAT_APPID: this.appId, WECHAT_APPSECRET: this.appSecret, WECHAT_API_BASE: this.url };
  }

  /** Makes the fake know another account, as WeChat knows every account. */
  addAccount(appId: string, appSecret: string): void {
    this.#secrets.set(appId, appSecret);
  }

  /** The account an access token was issued to. */
  ownerOf(token: string | undefined): string | undefined {
    return token === undefined ? undefined : (this.#owners.get(token) ?? this.component.authorizerTokens.get(token));
  }

  /** Calls to `path` so far. */
  count(path: string): number {
    return this.calls.filter((call) => call.path === path).length;
  }

  /** Calls to `path` so far, with their bodies. */
  callsTo(path: string): RecordedCall[] {
    return this.calls.filter((call) => call.path === path);
  }

  /** The token fetches so far, classic and stable. */
  tokenFetches(): number {
    return this.count('/cgi-bin/token') + this.count('/cgi-bin/stable_token');
  }

  /** Makes the next call(s) to `path` behave as told. */
  on(path: string, behaviour: Behaviour): void {
    const queue = this.#behaviours.get(path) ?? [];
    for (let i = 0; i < (behaviour.times ?? 1); i++) queue.push(behaviour);
    this.#behaviours.set(path, queue);
  }

  /** Forgets what `on` said for `path`: its calls are answered normally again. */
  off(path: string): void {
    this.#behaviours.delete(path);
  }

  /** Makes every token issued so far invalid (as another system's fetch would). */
  revokeTokens(): void {
    this.#valid.clear();
  }

  /** Everything the fake ever sent or received, to search for leaked secrets. */
  issuedTokens(): string[] {
    return [...this.#valid.keys()];
  }

  /** Registers an OAuth code that exchanges for `profile`. */
  issueCode(profile: UserProfile): string {
    const code = `code_${++this.#serial}`;
    this.#codes.set(code, profile);
    return code;
  }

  #issue(appId: string): string {
    const token = `ACCESS_TOKEN_${++this.#serial}_${Math.random().toString(36).slice(2)}`;
    this.#valid.set(token, Date.now() + this.expiresIn * 1000);
    this.#owners.set(token, appId);
    return token;
  }

  /** A code issued by `issueCode` exchanged for a web access token, once. */
  #webAccessToken(query: Record<string, string>): Record<string, unknown> {
    const profile = query.code === undefined ? undefined : this.#codes.get(query.code);
    if (profile === undefined || query.grant_type !== 'authorization_code') return { errcode: 40029, errmsg: 'invalid code' };
    this.#codes.delete(query.code ?? '');
    const token = `OAUTH_TOKEN_${++this.#serial}`;
    this.#oauthTokens.set(token, profile);
    return {
      access_token: token,
      expires_in: 7200,
      refresh_token: `REFRESH_${this.#serial}`,
      openid: profile.openid,
      scope: 'snsapi_userinfo',
    };
  }

  #tokenValid(token: string | undefined): boolean {
    // An authorised account's token, issued by the platform's api_query_auth or api_authorizer_token.
    if (token !== undefined && this.component.authorizerTokens.has(token)) return true;
    const expires = token === undefined ? undefined : this.#valid.get(token);
    return expires !== undefined && expires > Date.now();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const text = raw.toString('utf8');
    let body: unknown = parseMultipart(raw, req.headers['content-type']);
    if (body === undefined && text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    const query = Object.fromEntries(url.searchParams);
    this.calls.push({ method: req.method ?? '', path: url.pathname, query, body });

    const send = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const behaviour = this.#behaviours.get(url.pathname)?.shift();
    if (behaviour?.hang) return; // never answer
    if (behaviour?.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour?.raw !== undefined) {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(behaviour.raw);
      return;
    }
    if (behaviour?.body !== undefined) {
      send(200, behaviour.body);
      return;
    }
    if (behaviour?.errcode !== undefined) {
      send(200, { errcode: behaviour.errcode, errmsg: behaviour.errmsg ?? `fake error ${behaviour.errcode}` });
      return;
    }
    send(200, this.#answer(url.pathname, query, body as Record<string, unknown> | undefined));
  }

  #answer(path: string, query: Record<string, string>, body: Record<string, unknown> | undefined): unknown {
    const credentials = (appid: unknown, secret: unknown) =>
      typeof appid !== 'string' || !this.#secrets.has(appid)
        ? { errcode: 40013, errmsg: 'invalid appid' }
        : secret !== this.#secrets.get(appid)
          ? { errcode: 40125, errmsg: 'invalid appsecret' }
          : undefined;
    const needsToken = () =>
      this.#tokenValid(query.access_token)
        ? undefined
        : { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };

    // The custom menus: menu/create, get, delete, addconditional, delconditional.
    if (path.startsWith('/cgi-bin/menu/')) return needsToken() ?? this.menus.answer(path, body);
    if (path.startsWith('/wxaapi/newtmpl/') || path === '/cgi-bin/message/subscribe/bizsend')
      return needsToken() ?? this.notices.answer(path, body, query);
    if (FakeTags.serves(path)) return needsToken() ?? this.tags.answer(path, body);
    if (FakePublishing.serves(path)) return needsToken() ?? this.publishing.answer(path, query, body);
    const component = this.component.answer(path, query, body);
    if (component !== undefined) return component;

    switch (path) {
      case '/cgi-bin/token':
        return query.grant_type !== 'client_credential'
          ? { errcode: 40002, errmsg: 'invalid grant_type' }
          : (credentials(query.appid, query.secret) ?? { access_token: this.#issue(String(query.appid)), expires_in: this.expiresIn });
      case '/cgi-bin/stable_token': {
        const problem = credentials(body?.appid, body?.secret);
        if (problem) return problem;
        if (body?.force_refresh !== undefined && typeof body.force_refresh !== 'boolean')
          return { errcode: 47001, errmsg: 'data format error' };
        const appId = String(body?.appid);
        let stable = this.#stable.get(appId);
        if (body?.force_refresh === true || !this.#tokenValid(stable)) {
          if (stable !== undefined) this.#valid.delete(stable);
          this.#stable.set(appId, (stable = this.#issue(appId)));
        }
        const remaining = Math.floor(((this.#valid.get(stable ?? '') ?? 0) - Date.now()) / 1000);
        return { access_token: stable, expires_in: remaining };
      }
      case '/cgi-bin/qrcode/create': {
        const invalid = needsToken();
        if (invalid) return invalid;
        const ticket = `gQH47joAAAAAAAAAASxodHRwOi8vd2VpeGluLnFxLmNvbS9xL2taZ2Z3TVRtNzJXV1Brb3ZhYmJJAAIEZ23sUwMEmm3sUw==+/${++this.#serial}`;
        const temporary = body?.action_name === 'QR_SCENE' || body?.action_name === 'QR_STR_SCENE';
        return {
          ticket,
          ...(temporary ? { expire_seconds: body?.expire_seconds } : {}),
          url: `http://weixin.qq.com/q/kZgfwMTm72WWPkovabbI${this.#serial}`,
        };
      }
      case '/cgi-bin/message/custom/send':
        return needsToken() ?? { errcode: 0, errmsg: 'ok' };
      case '/cgi-bin/message/custom/typing':
        return (
          needsToken() ??
          (body?.command === 'Typing' || body?.command === 'CancelTyping'
            ? { errcode: 0, errmsg: 'ok' }
            : { errcode: 47001, errmsg: 'data format error' })
        );
      case '/sns/oauth2/access_token':
        return credentials(query.appid, query.secret) ?? this.#webAccessToken(query);
      case '/sns/oauth2/component/access_token': {
        // An authorised account's web authorization, through the platform.
        const { component } = this;
        if (query.component_appid !== component.appId) return { errcode: 40013, errmsg: 'invalid appid' };
        if (!component.componentTokens.has(query.component_access_token ?? '')) return { errcode: 40001, errmsg: 'invalid credential' };
        if (!component.refreshTokens.has(query.appid ?? ''))
          return { errcode: 61003, errmsg: 'component is not authorized by this account' };
        return this.#webAccessToken(query);
      }
      case '/sns/userinfo': {
        const profile = query.access_token === undefined ? undefined : this.#oauthTokens.get(query.access_token);
        if (profile === undefined || profile.openid !== query.openid) return { errcode: 40001, errmsg: 'invalid credential' };
        return { ...profile, privilege: [] };
      }
      case TICKET_PATH:
        return needsToken() ?? this.jsapi.answer(query);
      default:
        return this.account.answer(path, query, body, needsToken) ?? { errcode: 404, errmsg: `the fake does not know ${path}` };
    }
  }
}
