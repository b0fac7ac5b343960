/** The account every benchmark target is configured with, and where the webhook lives. */
export const TOKEN = 'bench-token';
export const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
export const APP_ID = 'wxbenchappid000001';
/** The official account's own id (ToUserName of every incoming message). */
export const ACCOUNT = 'gh_benchaccount01';
export const WECHAT_PATH = '/wechat';

/** The environment every target server is started with (plus PORT). */
export function serverEnv(port: number): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WECHAT_TOKEN: TOKEN,
    WECHAT_ENCODING_AES_KEY: AES_KEY,
    WECHAT_APPID: APP_ID,
    WECHAT_PATH,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
  };
}
