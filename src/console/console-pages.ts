import { escapeHtml } from '../pages/html.js';

/** Where the console's bundle and stylesheet are served from (dist/console-ui/). */
export const ASSETS_PATH = '/console/assets';

function document(title: string, body: string): string {
  return (
    '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1">' +
    '<link rel="icon" href="data:,">' +
    `<title>${escapeHtml(title)}</title><link rel="stylesheet" href="${ASSETS_PATH}/console.css"></head>` +
    `<body>${body}</body></html>`
  );
}

/** What the sign-in page says under its form. */
export type SignInNotice = { readonly kind: 'wrong-token' } | { readonly kind: 'locked'; readonly seconds: number } | undefined;

/**
 * The sign-in page: one field, `token`, posted as a form to /console/login. `local`: no
 * ADMIN_TOKEN and no console key is configured, and this client is on this machine: it
 * signs in with the field left empty.
 */
export function signInPage(notice: SignInNotice, local: boolean): string {
  const message =
    notice === undefined
      ? ''
      : notice.kind === 'wrong-token'
        ? '<p class="error" role="alert">密钥不正确 · Wrong token</p>'
        : `<p class="error" role="alert">尝试次数过多，请 ${notice.seconds} 秒后再试 · Too many attempts: try again in ${notice.seconds} s</p>`;
  const hint = local
    ? '<p class="hint">未设置 ADMIN_TOKEN：本机可直接登录，无需密钥。 · No ADMIN_TOKEN is set: this machine signs in with the field empty.</p>'
    : '';
  return document(
    '登录 · Sign in — 公众号控制台',
    '<main class="sign-in"><h1>公众号控制台 <span lang="en">Console</span></h1>' +
      '<form method="post" action="/console/login">' +
      '<label for="token">管理密钥（ADMIN_TOKEN 或账号的控制台密钥） · Admin token or console key</label>' +
      `<input id="token" name="token" type="password" autocomplete="current-password" ${local ? '' : 'required'} autofocus>` +
      '<button type="submit">登录 · Sign in</button></form>' +
      `${message}${hint}</main>`,
  );
}

/** The console itself: the bundle draws every page in #app. */
export function consoleShell(): string {
  return document(
    '公众号控制台 · Console',
    `<div id="app"><noscript>控制台需要 JavaScript · The console needs JavaScript</noscript></div>` +
      `<script type="module" src="${ASSETS_PATH}/console.js"></script>`,
  );
}

/** The page for a client the console does not serve (no credentials configured, not this machine). */
export function localOnlyPage(): string {
  return document(
    '控制台仅限本机 · Console on this machine only',
    '<main class="sign-in"><h1>控制台仅限本机访问</h1><p>No ADMIN_TOKEN and no console key is set: the console answers only clients on this machine.</p></main>',
  );
}
