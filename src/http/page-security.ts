import helmet from 'helmet';

/**
 * Security headers for the HTML pages: a CSP that allows no script at all, images
 * from WeChat's hosts (http for old avatars) and data: URLs (QR codes drawn here), the
 * inline stylesheet of page(), and forms sent only to this server (the QR code form).
 */
export const pageSecurity = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      imgSrc: ['https:', 'http:', 'data:'],
      styleSrc: ["'unsafe-inline'"],
      baseUri: ["'none'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
});
