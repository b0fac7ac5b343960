import { escapeHtml, page } from './html.js';

/** WeChat's JS-SDK script, the version its documentation names. */
export const JWEIXIN_URL = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js';

/**
 * The page's own script: asks /jssdk/config to sign this very URL, shows the answer
 * and the object wx.config receives, then calls wx.config when the SDK is loaded.
 * Everything shown goes through textContent, never HTML.
 */
const SCRIPT = `
(function () {
  var show = function (id, text) { document.getElementById(id).textContent = text; };
  var url = location.href.split('#')[0];
  show('url', url);
  fetch('/jssdk/config?url=' + encodeURIComponent(url))
    .then(function (response) {
      return response.json().then(function (body) { return { status: response.status, body: body }; });
    })
    .then(function (result) {
      show('status', String(result.status));
      show('answer', JSON.stringify(result.body, null, 2));
      if (result.status !== 200) return;
      var config = {
        debug: false,
        appId: result.body.appId,
        timestamp: result.body.timestamp,
        nonceStr: result.body.nonceStr,
        signature: result.body.signature,
        jsApiList: ['updateAppMessageShareData', 'updateTimelineShareData', 'scanQRCode']
      };
      show('config', 'wx.config(' + JSON.stringify(config, null, 2) + ')');
      if (typeof wx === 'undefined') { show('sdk', 'jweixin was not loaded'); return; }
      wx.ready(function () { show('sdk', 'wx.ready: the signature was accepted'); });
      wx.error(function (res) { show('sdk', 'wx.error: ' + JSON.stringify(res)); });
      show('sdk', 'wx.config called; outside WeChat it does not answer');
      wx.config(config);
    })
    .catch(function (error) { show('status', 'failed: ' + String(error)); });
})();
`;

/** The admin's check of JS-SDK signing: the page signs itself through /jssdk/config. */
export function jssdkDemoPage(scriptNonce: string): string {
  const nonce = escapeHtml(scriptNonce);
  const field = (label: string, id: string) => `<dt>${escapeHtml(label)}</dt><dd><pre id="${id}">…</pre></dd>`;
  return page(
    'JS-SDK 签名演示 demo',
    '<style>pre{margin:0;white-space:pre-wrap;word-break:break-all}</style>' +
      `<h1>JS-SDK 签名 signature</h1>` +
      `<p>本页请求 <code>/jssdk/config</code> 为自己的 URL 签名。This page asks <code>/jssdk/config</code> to sign its own URL.</p>` +
      '<dl>' +
      field('URL', 'url') +
      field('HTTP', 'status') +
      field('/jssdk/config', 'answer') +
      field('wx.config', 'config') +
      field('jweixin', 'sdk') +
      '</dl>' +
      `<script src="${escapeHtml(JWEIXIN_URL)}" nonce="${nonce}"></script>` +
      `<script nonce="${nonce}">${SCRIPT}</script>`,
  );
}
