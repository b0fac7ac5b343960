import { escapeHtml, page } from './html.js';

/**
 * `/open/authorize`: the link to WeChat's authorisation page (componentloginpage). A
 * link the admin clicks, not a redirect: WeChat checks that the click comes from a page
 * on the platform's 授权发起页域名, by the Referer this page sends.
 */
export function authorizeLinkPage(authorizeUrl: string): string {
  return page(
    '授权公众号 Authorise an account',
    '<h1>授权公众号 Authorise an account</h1>' +
      '<p>点击下面的链接，用公众号管理员的微信扫码，把公众号授权给本平台。</p>' +
      "<p>Click the link, then scan the QR code with the account admin's WeChat to authorise this platform.</p>" +
      `<p class="links"><a class="authorize" href="${escapeHtml(authorizeUrl)}" referrerpolicy="strict-origin-when-cross-origin">` +
      '前往微信授权 Authorise on WeChat</a></p>' +
      '<p>链接只能使用一次，过期请刷新本页。 The link works once: reload this page for a fresh one.</p>',
  );
}

/** `/open/authorize/callback`: the account is authorised; its nickname when WeChat told it. */
export function authorizedPage(appId: string, nickname: string | undefined): string {
  const name = nickname === undefined || nickname === '' ? undefined : nickname;
  return page(
    `已授权 Authorised · ${name ?? appId}`,
    '<h1>授权成功 Authorised</h1>' +
      '<p>公众号已授权本平台。 The account has authorised this platform.</p>' +
      `<dl><dt>AppID</dt><dd class="appid">${escapeHtml(appId)}</dd>` +
      `<dt>名称 nickname</dt><dd class="nickname">${name === undefined ? '未知 unknown' : escapeHtml(name)}</dd></dl>`,
  );
}
