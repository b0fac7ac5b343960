import { WeChatApiError } from '../core/errors.js';
import type { ApiClient } from './client.js';

/** The three kinds of parametric QR code the contract offers. */
export type QrCodeRequest =
  | { readonly action: 'QR_SCENE'; readonly sceneId: number; readonly expireSeconds: number }
  | { readonly action: 'QR_LIMIT_SCENE'; readonly sceneId: number }
  | { readonly action: 'QR_LIMIT_STR_SCENE'; readonly sceneStr: string };

export interface QrCode {
  readonly ticket: string;
  /** The URL the QR image encodes. */
  readonly url: string;
  /** Seconds until a temporary code expires; null for a permanent one. */
  readonly expireSeconds: number | null;
  /** WeChat's own rendering of the code. */
  readonly imageUrl: string;
}

/** Where WeChat renders a ticket as an image. */
export function showQrCodeUrl(ticket: string): string {
  return `https://mp.weixin.qq.com/cgi-bin/showqrcode?ticket=${encodeURIComponent(ticket)}`;
}

/**
 * Creates a parametric QR code ticket.
 * https://developers.weixin.qq.com/doc/offiaccount/Account_Management/Generating_a_Parametric_QR_Code.html
 */
export async function createQrCode(client: ApiClient, request: QrCodeRequest): Promise<QrCode> {
  const scene = 'sceneStr' in request ? { scene_str: request.sceneStr } : { scene_id: request.sceneId };
  const body = {
    ...(request.action === 'QR_SCENE' ? { expire_seconds: request.expireSeconds } : {}),
    action_name: request.action,
    action_info: { scene },
  };
  const path = '/cgi-bin/qrcode/create';
  const answer = await client.call({ method: 'POST', path, body });
  const { ticket, url } = answer;
  if (typeof ticket !== 'string' || ticket === '' || typeof url !== 'string' || url === '') {
    throw new WeChatApiError(-1, 'the answer has no ticket or url', path);
  }
  const expireSeconds = typeof answer.expire_seconds === 'number' ? answer.expire_seconds : null;
  return { ticket, url, expireSeconds, imageUrl: showQrCodeUrl(ticket) };
}
