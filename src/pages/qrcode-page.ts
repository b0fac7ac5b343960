import type { QrCode } from '../api/qrcode.js';
import { escapeHtml, page } from './html.js';

/** The admin's view of a new QR code: WeChat's image of it and its details. */
export function qrCodePage(code: QrCode, scene: string): string {
  const expires = code.expireSeconds === null ? '永久 permanent' : `${code.expireSeconds} 秒 seconds`;
  return page(
    `二维码 QR code · ${scene}`,
    `<h1>带参数二维码 QR code</h1>` +
      `<img class="qr" src="${escapeHtml(code.imageUrl)}" alt="QR code for scene ${escapeHtml(scene)}">` +
      `<dl><dt>场景 scene</dt><dd>${escapeHtml(scene)}</dd>` +
      `<dt>有效期 expires</dt><dd>${escapeHtml(expires)}</dd>` +
      `<dt>URL</dt><dd>${escapeHtml(code.url)}</dd>` +
      `<dt>ticket</dt><dd>${escapeHtml(code.ticket)}</dd></dl>`,
  );
}
