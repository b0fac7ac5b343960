import { checkResponseBody, type ApiRequest, type ApiTransport, type WeChatResponseBody } from './transport.js';
import type { AccessTokenSource } from './access-token.js';

/** The errcodes that mean "this access token is not valid (any more)". */
const TOKEN_INVALID = new Set([40001, 40014, 42001]);

export interface ApiClient {
  /**
   * Calls a WeChat API with the access token. A token-invalid errcode refreshes the
   * token and retries once; any other errcode throws WeChatApiError.
   */
  call(request: ApiRequest): Promise<WeChatResponseBody>;
}

export function createApiClient(transport: ApiTransport, accessToken: Pick<AccessTokenSource, 'get' | 'invalidate'>): ApiClient {
  async function attempt(request: ApiRequest, token: string): Promise<WeChatResponseBody> {
    return transport.send({ ...request, query: { ...request.query, access_token: token } });
  }
  return {
    async call(request) {
      const token = await accessToken.get();
      let answer = await attempt(request, token);
      if (typeof answer.errcode === 'number' && TOKEN_INVALID.has(answer.errcode)) {
        await accessToken.invalidate(token, answer);
        answer = await attempt(request, await accessToken.get());
      }
      return checkResponseBody(answer, request.path);
    },
  };
}
