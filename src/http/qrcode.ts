import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type QRCode from 'qrcode';
import type { WeChatApi } from '../api/create-api.js';
import { createQrCode, type QrCodeRequest } from '../api/qrcode.js';
import { WeChatApiError, WeChatUnreachableError } from '../errors.js';
import { lazyRequire } from '../lazy-require.js';
import { qrCodePage } from '../pages/qrcode-page.js';

const loadQRCode = lazyRequire<typeof QRCode>('qrcode');

class InvalidParameter extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

function queryValue(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new InvalidParameter(name, `${name} must be given once`);
  return value;
}

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new InvalidParameter(name, `${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/** Reads the query into one of the three QR code requests, or throws naming the parameter. */
export function parseQrCodeQuery(req: Request): QrCodeRequest {
  const sceneId = queryValue(req, 'scene_id');
  const sceneStr = queryValue(req, 'scene_str');
  const permanentRaw = queryValue(req, 'permanent');
  const expireRaw = queryValue(req, 'expire_seconds');
  if (sceneId !== undefined && sceneStr !== undefined) {
    throw new InvalidParameter('scene_id', 'give scene_id or scene_str, not both');
  }
  if (permanentRaw !== undefined && !['0', '1', 'true', 'false'].includes(permanentRaw)) {
    throw new InvalidParameter('permanent', 'permanent must be 1 or 0');
  }
  const permanent = permanentRaw === '1' || permanentRaw === 'true';
  if (sceneStr !== undefined) {
    const length = [...sceneStr].length;
    if (length < 1 || length > 64) throw new InvalidParameter('scene_str', 'scene_str must be 1 to 64 characters');
    if (expireRaw !== undefined) throw new InvalidParameter('expire_seconds', 'expire_seconds applies only to temporary scene_id codes');
    return { action: 'QR_LIMIT_STR_SCENE', sceneStr };
  }
  if (sceneId === undefined) throw new InvalidParameter('scene_id', 'scene_id (or scene_str) is required');
  if (permanent) {
    if (expireRaw !== undefined) throw new InvalidParameter('expire_seconds', 'expire_seconds applies only to temporary codes');
    return { action: 'QR_LIMIT_SCENE', sceneId: wholeNumber('scene_id', sceneId, 1, 100_000) };
  }
  return {
    action: 'QR_SCENE',
    sceneId: wholeNumber('scene_id', sceneId, 1, 4_294_967_295),
    expireSeconds: expireRaw === undefined ? 7200 : wholeNumber('expire_seconds', expireRaw, 1, 2_592_000),
  };
}

type Format = 'html' | 'json' | 'png';

function chooseFormat(req: Request): Format {
  const format = queryValue(req, 'format');
  if (format !== undefined) {
    if (format === 'html' || format === 'json' || format === 'png') return format;
    throw new InvalidParameter('format', 'format must be html, json or png');
  }
  const preferred = req.accepts(['text/html', 'application/json', 'image/png']);
  return preferred === 'application/json' ? 'json' : preferred === 'image/png' ? 'png' : 'html';
}

/** GET /qrcode: creates a parametric QR code and shows it as a page, JSON or a PNG. */
export function qrCodeRoute(api: WeChatApi | undefined, logger: Logger) {
  return async function qrcode(req: Request, res: Response, next: NextFunction): Promise<void> {
    let request: QrCodeRequest;
    let format: Format;
    try {
      request = parseQrCodeQuery(req);
      format = chooseFormat(req);
    } catch (error) {
      if (!(error instanceof InvalidParameter)) throw error;
      res.status(400).json({ error: error.message, parameter: error.parameter });
      return;
    }
    if (api === undefined) {
      res.status(503).json({ error: 'WECHAT_APPID and WECHAT_APPSECRET must be set to create QR codes' });
      return;
    }
    try {
      const code = await createQrCode(api.client, request);
      res.set('Cache-Control', 'no-store');
      if (format === 'json') {
        res.json({ ticket: code.ticket, url: code.url, expire_seconds: code.expireSeconds, image_url: code.imageUrl });
      } else if (format === 'png') {
        res.type('image/png').send(await loadQRCode().toBuffer(code.url, { type: 'png', margin: 2, width: 384 }));
      } else {
        const scene = 'sceneStr' in request ? request.sceneStr : String(request.sceneId);
        res.type('html').send(qrCodePage(code, scene));
      }
    } catch (error) {
      if (error instanceof WeChatApiError) {
        logger.warn({ errcode: error.errcode, errmsg: error.errmsg, path: error.path }, 'QR code not created');
        res.status(502).json({ errcode: error.errcode, errmsg: error.errmsg });
      } else if (error instanceof WeChatUnreachableError) {
        logger.warn({ path: error.path, reason: error.reason }, 'QR code not created: WeChat unreachable');
        res.status(502).json({ error: error.message });
      } else next(error);
    }
  };
}
