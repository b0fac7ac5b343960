import type QRCode from 'qrcode';
import { lazyRequire } from '../core/lazy-require.js';
import { QrCodeTooLongError } from '../core/errors.js';

const loadQRCode = lazyRequire<typeof QRCode>('qrcode');

async function render<T>(text: string, draw: (qrcode: typeof QRCode) => Promise<T>): Promise<T> {
  try {
    return await draw(loadQRCode());
  } catch (error) {
    // qrcode says so only in its message.
    if (error instanceof Error && /too big/i.test(error.message)) throw new QrCodeTooLongError(text.length);
    throw error;
  }
}

/** The QR image of `text` as PNG bytes, drawn here rather than by WeChat. */
export function qrPng(text: string): Promise<Buffer> {
  return render(text, (qrcode) => qrcode.toBuffer(text, { type: 'png', margin: 2, width: 384 }));
}

/** The QR image of `text` as an SVG `data:` URL, to inline in a page. */
export async function qrSvgDataUrl(text: string): Promise<string> {
  const svg = await render(text, (qrcode) => qrcode.toString(text, { type: 'svg', margin: 2 }));
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`;
}
