import express, { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { AccountOf } from '../account-of.js';
import { accessTokenRoute } from './access-token.js';
import { articleRoutes } from './articles.js';
import { blacklistRoutes } from './blacklist.js';
import { errorMiddleware } from '../error-middleware.js';
import { mediaRoute } from './media.js';
import { messageRoutes } from './messages.js';
import { notifyRoute } from './notify.js';
import { remarkRoute } from './remark.js';
import { sendingAccount, type SendingAccount } from './sending-account.js';
import { tagRoutes } from './tags.js';
import { templatesRoute } from './templates.js';
import { userRoutes } from './users.js';

/** Template and customer-service bodies are small; a long text is split before WeChat sees it. */
export const API_JSON_LIMIT = '64kb';

/**
 * `/api`: the account's API for the company's other services, guarded like /qrcode.
 * Its routes throw; the router's last middleware answers every failure as JSON, WeChat's
 * errcodes about the caller's own values as the caller's mistake.
 */
export function apiRoutes(accountOf: AccountOf, admin: RequestHandler, logger: Logger, articlesDir = 'articles'): Router {
  const sending = (req: Request): SendingAccount => sendingAccount(accountOf(req));
  /** Before each route: nothing is read or checked without AppID and AppSecret (503). */
  const ready: RequestHandler = function apiConfigured(req, _res, next) {
    sending(req);
    next();
  };
  const messages = messageRoutes(sending, logger);
  const users = userRoutes(sending);
  const wechatApi = (req: Request) => sending(req).api;
  const tags = tagRoutes(wechatApi, logger);
  const blacklist = blacklistRoutes(wechatApi, logger);

  const router = Router();
  router.use(admin);
  router.use(express.json({ limit: API_JSON_LIMIT }));
  router.get('/access-token', ready, accessTokenRoute(wechatApi));
  router.get(
    '/templates',
    ready,
    templatesRoute((req) => sending(req).templates),
  );
  router.post('/messages/template', ready, messages.template);
  router.post('/messages/custom', ready, messages.custom);
  router.post('/messages/subscribe', ready, messages.subscribe);
  router.post('/notify', ready, notifyRoute(sending, logger));
  router.post('/media', ready, mediaRoute(wechatApi));
  router.get('/users/:openid/grants', ready, users.grants);
  router.get('/users/:openid/reach', ready, users.reach);
  router.get('/users/:openid', ready, users.one);
  router.get('/users', ready, users.page);
  router.get('/users/:openid/tags', ready, tags.userTags);
  router.put('/users/:openid/remark', ready, remarkRoute(wechatApi, logger));
  router.get('/tags', ready, tags.list);
  router.post('/tags', ready, tags.create);
  router.patch('/tags/:id', ready, tags.rename);
  router.delete('/tags/:id', ready, tags.remove);
  router.get('/tags/:id/users', ready, tags.users);
  router.post('/tags/:id/users', ready, tags.tag);
  router.post('/tags/:id/users/remove', ready, tags.untag);
  router.get('/blacklist', ready, blacklist.page);
  router.post('/blacklist', ready, blacklist.add);
  router.post('/blacklist/remove', ready, blacklist.remove);
  router.use('/articles', ready, articleRoutes(accountOf, articlesDir, logger));
  router.use(function apiNotFound(req: Request, res: Response) {
    res.status(404).json({ error: `path: no ${req.method} /api${req.path}` });
  });
  router.use(errorMiddleware({ logger, what: 'an /api call failed', context: { callerInputToWeChat: true } }));
  return router;
}
