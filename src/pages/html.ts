/** Escapes text for HTML content and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

const STYLE = `
body{margin:0;font:16px/1.5 -apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#222;background:#f5f5f5}
main{max-width:480px;margin:0 auto;padding:24px 16px}
.card{background:#fff;border-radius:12px;padding:20px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:20px;margin:0 0 12px}
img.qr{display:block;width:100%;max-width:320px;margin:12px auto;image-rendering:pixelated}
img.avatar{width:96px;height:96px;border-radius:50%;display:block;margin:0 auto 12px}
dl{display:grid;grid-template-columns:auto 1fr;gap:6px 12px;margin:0}
dt{color:#888}dd{margin:0;word-break:break-all}
.error{color:#c0392b}
form label{display:block;margin:0 0 12px;color:#888}
form select,form input{display:block;width:100%;box-sizing:border-box;margin-top:4px;padding:8px;font:inherit;color:#222}
form button{padding:8px 20px;font:inherit}
.links{text-align:center}
`;

/** A small mobile-first page (WeChat's in-app browser); `body` must already be escaped. */
export function page(title: string, body: string): string {
  return (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>` +
    `<body><main><div class="card">${body}</div></main></body></html>`
  );
}
