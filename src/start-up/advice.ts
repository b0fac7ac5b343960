import type { Config } from '../core/config.js';

/** The webhook URL to enter on the platform, and the next thing to try. */
export function nextSteps(config: Config): { webhookUrl: string; localUrl: string; message: string } {
  // WeChat calls only ports 80 and 443, so the platform's URL has no port of ours.
  // With ACCOUNTS_FILE, each account has its own URL: WECHAT_PATH/<name>.
  const path = config.accountsFile === undefined ? config.wechatPath : `${config.wechatPath}/<account name>`;
  const webhookUrl = `${config.publicUrl ?? 'http://<your public host>'}${path}`;
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const localUrl = `http://${host.includes(':') ? `[${host}]` : host}:${config.port}${path}`;
  return {
    webhookUrl,
    localUrl,
    message: `enter ${webhookUrl} as the URL on the platform (服务器配置 → URL); try it now: npm run simulate -- text 你好`,
  };
}

/** What will not work with this configuration, one readable line each. */
export function configurationWarnings(config: Config): string[] {
  const warnings: string[] = [];
  // The accounts file's entries are checked when it is read.
  if (config.token === undefined) return warnings;
  const missing = [config.appId === undefined && 'WECHAT_APPID', config.appSecret === undefined && 'WECHAT_APPSECRET'].filter(
    (name): name is string => name !== false,
  );
  if (missing.length > 0) {
    warnings.push(
      `${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: QR codes, OAuth and replies sent after the deadline will not work`,
    );
  }
  if (!/^[A-Za-z0-9]{3,32}$/.test(config.token)) {
    warnings.push(
      `WECHAT_TOKEN is not 3–32 letters and digits (${[...config.token].length} characters): the platform would refuse it as the Token`,
    );
  }
  return warnings;
}
