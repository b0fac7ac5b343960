import type { QrCode } from '../wechat-api/qrcode.js';
import { escapeHtml, page } from './html.js';

/** The kinds the form offers, by the value of its `kind` field. */
export const FORM_KINDS = {
  temporary: '临时 temporary (scene id)',
  permanent: '永久 permanent (scene id)',
  string: '永久 permanent (scene string)',
} as const;
export type FormKind = keyof typeof FORM_KINDS;

export interface FormValues {
  readonly kind: FormKind;
  readonly scene: string;
  readonly expireSeconds: string;
}

const EMPTY_FORM: FormValues = { kind: 'temporary', scene: '', expireSeconds: '7200' };

function form(values: FormValues): string {
  const options = (Object.keys(FORM_KINDS) as FormKind[])
    .map((kind) => `<option value="${kind}"${kind === values.kind ? ' selected' : ''}>${escapeHtml(FORM_KINDS[kind])}</option>`)
    .join('');
  return (
    '<form class="qr-form" method="get" action="/qrcode">' +
    `<label>种类 kind<select name="kind">${options}</select></label>` +
    `<label>场景 scene<input name="scene" required maxlength="64" value="${escapeHtml(values.scene)}" ` +
    'placeholder="1–4294967295, 1–100000 or a string"></label>' +
    `<label>有效期 expiry (s, temporary only)<input name="expire_seconds" inputmode="numeric" value="${escapeHtml(values.expireSeconds)}"></label>` +
    '<button type="submit">生成 create</button></form>'
  );
}

/** `/qrcode` without parameters: the form, and on a bad entry the form again with the problem. */
export function qrCodeFormPage(values: FormValues = EMPTY_FORM, problem?: string, configured = true): string {
  return page(
    '带参数二维码 QR code',
    '<h1>带参数二维码 QR code</h1>' +
      (configured ? '' : '<p class="error">WECHAT_APPID and WECHAT_APPSECRET are not set: WeChat cannot be asked for a code.</p>') +
      (problem === undefined ? '' : `<p class="error">${escapeHtml(problem)}</p>`) +
      form(values),
  );
}

export interface QrCodeView {
  readonly code: QrCode;
  readonly scene: string;
  /** The code drawn here, as a data: URL. */
  readonly image: string;
  /** The same code as a PNG from this server. */
  readonly pngUrl: string;
}

/** A QR code: drawn here, next to WeChat's own rendering of its ticket and its details. */
export function qrCodePage({ code, scene, image, pngUrl }: QrCodeView): string {
  const expires = code.expireSeconds === null ? '永久 permanent' : `${code.expireSeconds} 秒 seconds`;
  return page(
    `二维码 QR code · ${scene}`,
    `<h1>带参数二维码 QR code</h1>` +
      `<img class="qr" src="${escapeHtml(image)}" alt="QR code for scene ${escapeHtml(scene)}">` +
      `<p class="links"><a class="wechat" href="${escapeHtml(code.imageUrl)}">微信的图片 WeChat's image</a>` +
      ` · <a class="png" href="${escapeHtml(pngUrl)}" download>PNG</a>` +
      ' · <a class="again" href="/qrcode">新二维码 another code</a></p>' +
      `<dl><dt>场景 scene</dt><dd class="scene">${escapeHtml(scene)}</dd>` +
      `<dt>有效期 expires</dt><dd>${escapeHtml(expires)}</dd>` +
      `<dt>URL</dt><dd>${escapeHtml(code.url)}</dd>` +
      `<dt>ticket</dt><dd>${escapeHtml(code.ticket)}</dd></dl>`,
  );
}
