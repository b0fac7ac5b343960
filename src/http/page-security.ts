import helmet from 'helmet';

/**
 * Security headers for the HTML pages: a CSP that allows no script at all, images
 * from WeChat's hosts (http for old avatars), and the inline stylesheet of page().
 */
export const pageSecurity = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'none'"],
      imgSrc: ['https:', 'http:', 'data:'],
      styleSrc: ["'unsafe-inline'"],
      baseUri: ["'none'"],
      formAction: ["'none'"],
      frameAncestors: ["'none'"],
    },
  },
  referrerPolicy: { policy: 'no-referrer' },
});
