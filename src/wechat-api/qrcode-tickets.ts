import { ExpiringMap } from '../core/expiring-map.js';
import type { QrCode, QrCodeRequest } from './qrcode.js';

/** How many scenes the reuse memory holds; the oldest is forgotten first. */
const MAX_SCENES = 1000;

export interface QrCodeTickets {
  /**
   * The code of `request`: the ticket made earlier for the same scene while it is still
   * good, otherwise a new one from `create`. Concurrent requests for one scene share
   * one call; a failure is not remembered.
   */
  get(request: QrCodeRequest, create: () => Promise<QrCode>): Promise<QrCode>;
}

function sceneKey(request: QrCodeRequest): string {
  switch (request.action) {
    case 'QR_SCENE':
      return `QR_SCENE:${request.sceneId}:${request.expireSeconds}`;
    case 'QR_LIMIT_SCENE':
      return `QR_LIMIT_SCENE:${request.sceneId}`;
    case 'QR_LIMIT_STR_SCENE':
      return `QR_LIMIT_STR_SCENE:${request.sceneStr}`;
  }
}

/**
 * Reuses a ticket per scene (kind, scene and expiry) in this process, so that a reload
 * of the page neither spends the API's daily quota nor, for permanent codes, WeChat's
 * limit of 100,000 of them. A temporary ticket is handed out until a minute before it
 * expires (half its lifetime, for shorter ones); `expireSeconds` is what it has left.
 */
export function createQrCodeTickets(now: () => number = Date.now): QrCodeTickets {
  // Each scene's code, until it stops being handed out (a code being created, or a
  // permanent one: until pushed out). `createdAt` starts its lifetime.
  const entries = new ExpiringMap<string, { readonly code: Promise<QrCode>; readonly createdAt: number }>({ max: MAX_SCENES, now });

  return {
    async get(request, create) {
      const key = sceneKey(request);
      const known = entries.get(key);
      if (known !== undefined) {
        const code = await known.code;
        if (code.expireSeconds === null) return code;
        const expiresAt = known.createdAt + code.expireSeconds * 1000;
        return { ...code, expireSeconds: Math.max(0, Math.floor((expiresAt - now()) / 1000)) };
      }
      const entry = { code: create(), createdAt: now() };
      entries.set(key, entry, Infinity);
      try {
        const code = await entry.code;
        if (code.expireSeconds !== null && entries.get(key) === entry) {
          const reuseUntil = entry.createdAt + (code.expireSeconds - reuseMargin(code.expireSeconds)) * 1000;
          entries.set(key, entry, reuseUntil);
        }
        return code;
      } catch (error) {
        if (entries.get(key) === entry) entries.delete(key);
        throw error;
      }
    },
  };
}

function reuseMargin(lifetimeSeconds: number): number {
  return Math.min(60, lifetimeSeconds / 2);
}
