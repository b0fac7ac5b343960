import type { AxiosInstance, AxiosStatic } from 'axios';
import { lazyRequire } from '../core/lazy-require.js';
import { WeChatApiError, WeChatUnreachableError } from '../core/errors.js';
import { UNREACHABLE, type MetricsRecorder } from '../core/metrics.js';

/** WeChat's API answers JSON; a non-zero `errcode` is an error whatever the HTTP status. */
export interface WeChatResponseBody {
  readonly errcode?: number;
  readonly errmsg?: string;
  readonly [field: string]: unknown;
}

export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  /** Overrides the transport's timeout (an upload of several MB takes longer than 5 s). */
  readonly timeoutMs?: number;
}

export const API_TIMEOUT_MS = 5000;

const loadAxios = lazyRequire<AxiosStatic>('axios');

/**
 * Sends requests to WECHAT_API_BASE and turns every failure into one of two typed
 * errors. Errors never carry the URL's query, where tokens and secrets travel. Every
 * call goes out here, so here each is counted, by path and errcode.
 */
export function createApiTransport(apiBase: string, timeoutMs = API_TIMEOUT_MS, metrics?: Pick<MetricsRecorder, 'countApiCall'>) {
  let instance: AxiosInstance | undefined;
  const http = (): AxiosInstance =>
    (instance ??= loadAxios().create({
      baseURL: apiBase,
      timeout: timeoutMs,
      // WeChat's answers are small; a larger one is not WeChat.
      maxContentLength: 1024 * 1024,
      validateStatus: () => true,
      responseType: 'json',
      headers: { 'User-Agent': 'wechat-oa-server' },
    }));

  /** The raw answer, errcode included, for callers that act on the errcode. */
  async function send(request: ApiRequest): Promise<WeChatResponseBody> {
    let response;
    try {
      response = await http().request({
        method: request.method,
        url: request.path,
        params: request.query,
        data: request.body,
        ...(request.timeoutMs === undefined ? {} : { timeout: request.timeoutMs }),
      });
    } catch (error) {
      const code = (error as { code?: string }).code;
      const waited = request.timeoutMs ?? timeoutMs;
      const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
      metrics?.countApiCall(request.path, UNREACHABLE);
      throw new WeChatUnreachableError(request.path, timedOut ? `no answer within ${waited} ms` : (code ?? 'network error'), timedOut);
    }
    const data: unknown = response.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      metrics?.countApiCall(request.path, UNREACHABLE);
      throw new WeChatUnreachableError(request.path, `HTTP ${response.status} without a JSON answer`);
    }
    const body = data as WeChatResponseBody;
    metrics?.countApiCall(request.path, typeof body.errcode === 'number' ? String(body.errcode) : '0');
    return body;
  }

  return { send };
}

export type ApiTransport = ReturnType<typeof createApiTransport>;

/** Throws WeChatApiError when the answer carries a non-zero errcode. */
export function checkResponseBody(body: WeChatResponseBody, path: string): WeChatResponseBody {
  if (typeof body.errcode === 'number' && body.errcode !== 0) {
    throw new WeChatApiError(body.errcode, String(body.errmsg ?? ''), path);
  }
  return body;
}
