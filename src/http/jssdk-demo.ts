import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';
import { jssdkDemoPage } from '../pages/jssdk-demo-page.js';

/**
 * The demo page's own CSP: the other pages' rules, plus its scripts (WeChat's
 * jweixin host and its inline script, by a per-response nonce) and fetch to this
 * server. No other page may run scripts.
 */
const demoSecurity = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      scriptSrc: ['https://res.wx.qq.com', (_req, res) => `'nonce-${(res as Response).locals.cspNonce as string}'`],
      connectSrc: ["'self'"],
      imgSrc: ['https:', 'http:', 'data:'],
      styleSrc: ["'unsafe-inline'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
});

/** GET /jssdk/demo (behind the admin guard): the page that signs itself. */
export function jssdkDemoRoute() {
  return [
    function cspNonce(_req: Request, res: Response, next: NextFunction): void {
      res.locals.cspNonce = randomBytes(16).toString('base64');
      next();
    },
    demoSecurity,
    function jssdkDemo(_req: Request, res: Response): void {
      res.set('Cache-Control', 'no-store');
      res.type('html').send(jssdkDemoPage(res.locals.cspNonce as string));
    },
  ];
}
