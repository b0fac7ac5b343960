import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * How an authorised account's refresh token is kept, in Redis or the state file: never
 * in the clear. AES-256-GCM under a key derived (HKDF-SHA-256) from
 * WECHAT_COMPONENT_SECRET, with the platform's and the account's AppIDs as associated
 * data, so that a sealed token moved to another account's entry does not open.
 */
export interface RefreshTokenSeal {
  seal(authorizerAppId: string, refreshToken: string): string;
  /** The refresh token; throws when `sealed` was not sealed for this account with this secret. */
  open(authorizerAppId: string, sealed: string): string;
}

export function createRefreshTokenSeal(componentAppId: string, componentSecret: string): RefreshTokenSeal {
  const key = Buffer.from(hkdfSync('sha256', componentSecret, componentAppId, 'wechat-oa-server open-platform refresh tokens v1', 32));
  const associated = (appId: string): Buffer => Buffer.from(`${componentAppId}\n${appId}`);
  return {
    seal(authorizerAppId, refreshToken) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(associated(authorizerAppId));
      const sealed = Buffer.concat([cipher.update(refreshToken, 'utf8'), cipher.final()]);
      return [VERSION, iv.toString('base64url'), sealed.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },
    open(authorizerAppId, sealed) {
      const [version, iv, text, tag, ...rest] = sealed.split('.');
      if (version !== VERSION || iv === undefined || text === undefined || tag === undefined || rest.length > 0) {
        throw new Error('not a sealed refresh token');
      }
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
      decipher.setAAD(associated(authorizerAppId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(text, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
