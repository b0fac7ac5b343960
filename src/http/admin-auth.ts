import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';

function sameSecret(given: string, expected: string): boolean {
  // Hashing first makes the comparison constant-time whatever the lengths.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

// `<scheme> <credentials>`: one space, nothing before, between or after (RFC 9110 §11.4).
const AUTHORIZATION = /^([A-Za-z]+) ([!-~]+)$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * The password an Authorization header carries: a Bearer token, or Basic's password.
 * Parsed strictly: anything but exactly one scheme and one credential (a Bearer token
 * followed by more text, Basic that is not base64) carries none.
 */
function presentedSecret(header: string | undefined): string | undefined {
  const parts = header === undefined ? null : AUTHORIZATION.exec(header);
  if (parts === null) return undefined;
  const [, scheme = '', credentials = ''] = parts;
  if (scheme.toLowerCase() === 'bearer') return credentials;
  if (scheme.toLowerCase() === 'basic' && BASE64.test(credentials)) {
    const decoded = Buffer.from(credentials, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon === -1 ? undefined : decoded.slice(colon + 1);
  }
  return undefined;
}

/** True for a connection from this machine, judged by the socket, never by headers. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/**
 * Guards admin routes: `Authorization: Bearer <ADMIN_TOKEN>` or Basic with the token as
 * password (so a browser can open them). Without ADMIN_TOKEN, loopback clients only.
 */
export function requireAdmin(adminToken: string | undefined) {
  return function adminAuth(req: Request, res: Response, next: NextFunction): void {
    if (adminToken === undefined) {
      if (isLoopback(req.socket.remoteAddress)) {
        next();
        return;
      }
      res.status(403).json({ error: 'ADMIN_TOKEN is not set: admin routes answer only loopback clients' });
      return;
    }
    const given = presentedSecret(req.headers.authorization);
    if (given !== undefined && sameSecret(given, adminToken)) {
      next();
      return;
    }
    res.set('WWW-Authenticate', 'Basic realm="wechat-oa-server admin", charset="UTF-8"');
    res.status(401).json({ error: 'admin credentials required: Bearer ADMIN_TOKEN, or Basic with ADMIN_TOKEN as password' });
  };
}
