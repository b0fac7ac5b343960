import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { OAuthScope, UserProfile } from '../wechat-api/oauth.js';

/**
 * WeChat's side of web authorization's code exchange, for `simulate -- oauth` only: a
 * small HTTP server at WECHAT_API_BASE (on this machine) that answers
 * `/sns/oauth2/access_token` and `/sns/userinfo` as WeChat does, for codes the
 * simulator hands out when it plays the user's consent. Everything else is refused.
 */
export interface FakeOAuthApi {
  /** A code for the user's consent to `scope`: it exchanges once for a web access token. */
  consent(scope: OAuthScope): string;
  /** The paths the server called, in order, and the errcode each was answered (0: success). */
  readonly calls: readonly { readonly path: string; readonly errcode: number }[];
  close(): Promise<void>;
}

export interface FakeOAuthApiOptions {
  /** Where to listen: WECHAT_API_BASE, an http URL of this machine (a path prefix is allowed). */
  readonly base: URL;
  /** What the server must send, as WeChat checks them. */
  readonly appId: string;
  readonly appSecret: string;
  /** The user who consents: `/sns/userinfo` answers this profile. */
  readonly profile: UserProfile;
}

/** How long a request may take to arrive: the server sends a short GET. */
const REQUEST_TIMEOUT_MS = 5_000;
/** A flow makes two calls; whatever else arrives is answered, but not recorded past this. */
const MAX_RECORDED_CALLS = 20;

type Answer = Readonly<Record<string, unknown>>;

function refusal(errcode: number, errmsg: string): Answer {
  return { errcode, errmsg };
}

/** Starts the fake; rejects when it cannot listen (a port in use, say), with the listen error. */
export async function startFakeOAuthApi({ base, appId, appSecret, profile }: FakeOAuthApiOptions): Promise<FakeOAuthApi> {
  const prefix = base.pathname.replace(/\/+$/, '');
  const codes = new Map<string, { readonly scope: OAuthScope; used: boolean }>();
  const tokens = new Map<string, OAuthScope>();
  const calls: { path: string; errcode: number }[] = [];
  const fresh = (kind: string) => `${kind}_${randomBytes(12).toString('base64url')}`;

  function answer(path: string, query: URLSearchParams): Answer {
    switch (path) {
      case '/sns/oauth2/access_token': {
        if (query.get('appid') !== appId) return refusal(40013, 'invalid appid');
        if (query.get('secret') !== appSecret) return refusal(40125, 'invalid appsecret');
        if (query.get('grant_type') !== 'authorization_code') return refusal(40002, 'invalid grant_type');
        const grant = codes.get(query.get('code') ?? '');
        if (grant === undefined) return refusal(40029, 'invalid code');
        if (grant.used) return refusal(40163, 'code been used');
        grant.used = true;
        const token = fresh('simulated_web_token');
        tokens.set(token, grant.scope);
        return {
          access_token: token,
          expires_in: 7200,
          refresh_token: fresh('simulated_refresh'),
          openid: profile.openid,
          scope: grant.scope,
        };
      }
      case '/sns/userinfo': {
        const scope = tokens.get(query.get('access_token') ?? '');
        if (scope === undefined || query.get('openid') !== profile.openid) {
          return refusal(40001, 'invalid credential, access_token is invalid or not latest');
        }
        if (scope !== 'snsapi_userinfo') return refusal(48001, 'api unauthorized');
        return { ...profile, privilege: [] };
      }
      default:
        return refusal(48001, `api unauthorized: the simulator's fake WeChat answers only the OAuth code exchange, not ${path}`);
    }
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    req.resume(); // a GET has no body; whatever comes is not read
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname.startsWith(`${prefix}/`) ? url.pathname.slice(prefix.length) : url.pathname;
    const body = req.method === 'GET' ? answer(path, url.searchParams) : refusal(43001, 'require GET method');
    if (calls.length < MAX_RECORDED_CALLS) calls.push({ path, errcode: typeof body.errcode === 'number' ? body.errcode : 0 });
    res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' });
    res.end(JSON.stringify(body));
  }

  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: REQUEST_TIMEOUT_MS }, handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // An IPv6 literal's brackets belong to the URL, not to the address.
    server.listen(Number(base.port || 80), base.hostname.replace(/^\[(.*)\]$/, '$1'), () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    consent(scope) {
      const code = fresh('simulated_code');
      codes.set(code, { scope, used: false });
      return code;
    },
    calls,
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
