import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { perAccount, type AccountOf } from './account-of.js';
import { createQrCode, type QrCodeRequest } from '../wechat-api/qrcode.js';
import { createQrCodeTickets, type QrCodeTickets } from '../wechat-api/qrcode-tickets.js';
import { ApiNotConfiguredError, InputError } from '../core/errors.js';
import { qrPng, qrSvgDataUrl } from '../pages/qr-image.js';
import { errorMiddleware } from './error-middleware.js';
import { sendJsonError, type ErrorResponse } from './error-response.js';
import { hasNoQuery, queryParam } from './query-param.js';
import { FORM_KINDS, qrCodeFormPage, qrCodePage, type FormKind, type FormValues } from '../pages/qrcode-page.js';

function wholeNumber(name: string, raw: string, min: number, max: number): number {
  const value = /^\d{1,10}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) throw new InputError(name, `${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/** Reads the form's fields (kind, scene, expire_seconds) into a request, or throws naming the field. */
export function parseQrCodeForm(values: FormValues): QrCodeRequest {
  const scene = values.scene.trim();
  if (values.kind === 'string') {
    const length = [...scene].length;
    if (length < 1 || length > 64) throw new InputError('scene', 'a scene string must be 1 to 64 characters');
    return { action: 'QR_LIMIT_STR_SCENE', sceneStr: scene };
  }
  if (values.kind === 'permanent') return { action: 'QR_LIMIT_SCENE', sceneId: wholeNumber('scene', scene, 1, 100_000) };
  const expiry = values.expireSeconds.trim();
  return {
    action: 'QR_SCENE',
    sceneId: wholeNumber('scene', scene, 1, 4_294_967_295),
    expireSeconds: expiry === '' ? 7200 : wholeNumber('expire_seconds', expiry, 1, 2_592_000),
  };
}

function formValues(req: Request): FormValues | undefined {
  const kind = queryParam(req, 'kind');
  if (kind === undefined) return undefined;
  return {
    kind: Object.hasOwn(FORM_KINDS, kind) ? (kind as FormKind) : 'temporary',
    scene: queryParam(req, 'scene') ?? '',
    expireSeconds: queryParam(req, 'expire_seconds') ?? '',
  };
}

/** The canonical query of a request, for the link to its PNG. */
function requestQuery(request: QrCodeRequest): string {
  const params = new URLSearchParams();
  if (request.action === 'QR_LIMIT_STR_SCENE') params.set('scene_str', request.sceneStr);
  else params.set('scene_id', String(request.sceneId));
  if (request.action === 'QR_LIMIT_SCENE') params.set('permanent', '1');
  if (request.action === 'QR_SCENE') params.set('expire_seconds', String(request.expireSeconds));
  return params.toString();
}

/** Reads the query into one of the three QR code requests, or throws naming the parameter. */
export function parseQrCodeQuery(req: Request): QrCodeRequest {
  const sceneId = queryParam(req, 'scene_id');
  const sceneStr = queryParam(req, 'scene_str');
  const permanentRaw = queryParam(req, 'permanent');
  const expireRaw = queryParam(req, 'expire_seconds');
  if (sceneId !== undefined && sceneStr !== undefined) {
    throw new InputError('scene_id', 'give scene_id or scene_str, not both');
  }
  if (permanentRaw !== undefined && !['0', '1', 'true', 'false'].includes(permanentRaw)) {
    throw new InputError('permanent', 'permanent must be 1 or 0');
  }
  const permanent = permanentRaw === '1' || permanentRaw === 'true';
  if (sceneStr !== undefined) {
    const length = [...sceneStr].length;
    if (length < 1 || length > 64) throw new InputError('scene_str', 'scene_str must be 1 to 64 characters');
    if (expireRaw !== undefined) throw new InputError('expire_seconds', 'expire_seconds applies only to temporary scene_id codes');
    return { action: 'QR_LIMIT_STR_SCENE', sceneStr };
  }
  if (sceneId === undefined) throw new InputError('scene_id', 'scene_id (or scene_str) is required');
  if (permanent) {
    if (expireRaw !== undefined) throw new InputError('expire_seconds', 'expire_seconds applies only to temporary codes');
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
  const format = queryParam(req, 'format');
  if (format !== undefined) {
    if (format === 'html' || format === 'json' || format === 'png') return format;
    throw new InputError('format', 'format must be html, json or png');
  }
  const preferred = req.accepts(['text/html', 'application/json', 'image/png']);
  return preferred === 'application/json' ? 'json' : preferred === 'image/png' ? 'png' : 'html';
}

export interface QrCodeRouteOptions {
  /** The clock of the ticket reuse, injectable for tests. */
  readonly now?: () => number;
}

/** /qrcode's failures as JSON: the parameter at fault as `parameter`; WeChat's refusal as its own two fields only. */
function sendQrCodeError(res: Response, response: ErrorResponse): void {
  if (response.errcode !== undefined) res.status(response.status).json({ errcode: response.errcode, errmsg: response.errmsg });
  else sendJsonError(res, response, 'parameter');
}

/**
 * GET /qrcode: without parameters a form; with a scene, its parametric QR code as a
 * page (drawn here, beside WeChat's link), JSON or a PNG. A scene's ticket is reused
 * until it expires. The route and the middleware that answers its failures.
 */
export function qrCodeRoute(accountOf: AccountOf, logger: Logger, options: QrCodeRouteOptions = {}): [RequestHandler, ErrorRequestHandler] {
  const ticketsOf = perAccount((): QrCodeTickets => createQrCodeTickets(options.now));
  async function qrcode(req: Request, res: Response): Promise<void> {
    const account = accountOf(req);
    const { api } = account;
    const format = chooseFormat(req);
    const form = formValues(req);
    if (form === undefined && hasNoQuery(req) && format === 'html') {
      res
        .set('Cache-Control', 'no-store')
        .type('html')
        .send(qrCodeFormPage(undefined, undefined, api !== undefined));
      return;
    }
    let request: QrCodeRequest;
    try {
      request = form === undefined ? parseQrCodeQuery(req) : parseQrCodeForm(form);
    } catch (error) {
      // The form's own mistakes are shown on the form, to be corrected there.
      if (!(error instanceof InputError && form !== undefined && format === 'html')) throw error;
      res
        .status(400)
        .type('html')
        .send(qrCodeFormPage(form, error.message, api !== undefined));
      return;
    }
    if (api === undefined) throw new ApiNotConfiguredError('WECHAT_APPID and WECHAT_APPSECRET must be set to create QR codes');
    const code = await ticketsOf(account).get(request, () => createQrCode(api.client, request));
    res.set('Cache-Control', 'no-store');
    if (format === 'json') {
      res.json({ ticket: code.ticket, url: code.url, expire_seconds: code.expireSeconds, image_url: code.imageUrl });
    } else if (format === 'png') {
      res.type('image/png').send(await qrPng(code.url));
    } else {
      const scene = 'sceneStr' in request ? request.sceneStr : String(request.sceneId);
      const image = await qrSvgDataUrl(code.url);
      res.type('html').send(qrCodePage({ code, scene, image, pngUrl: `/qrcode?${requestQuery(request)}&format=png` }));
    }
  }
  const failures = errorMiddleware({
    logger,
    what: (response) =>
      response.code === 'qr_code_too_long' ? 'QR code not drawn: WeChat answered a url too long for one' : 'QR code not created',
    render: sendQrCodeError,
  });
  return [qrcode, failures];
}
