import express, { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import { createTemplateCatalog, type TemplateCatalog } from '../../wechat-api/template-catalog.js';
import { accessTokenRoute } from './access-token.js';
import { ApiNotConfiguredError } from '../../core/errors.js';
import { errorResponse, logFailure, sendJsonError } from '../error-response.js';
import { mediaRoute } from './media.js';
import { messageRoutes } from './messages.js';
import { templatesRoute } from './templates.js';
import { userRoutes } from './users.js';

/** Template and customer-service bodies are small; a long text is split before WeChat sees it. */
export const API_JSON_LIMIT = '64kb';

type Handler = (req: Request, res: Response) => Promise<void>;

/**
 * `/api`: the account's API for the company's other services, guarded like /qrcode.
 * Every failure is answered as JSON by sendApiError.
 */
function sendApiError(res: Response, error: unknown, logger: Logger): void {
  const response = errorResponse(error, { callerInputToWeChat: true });
  logFailure(logger, error, response, 'an /api call failed');
  sendJsonError(res, response);
}

export function apiRoutes(api: WeChatApi | undefined, admin: RequestHandler, logger: Logger): Router {
  const configured = (): WeChatApi => {
    if (api === undefined) throw new ApiNotConfiguredError('WECHAT_APPID and WECHAT_APPSECRET must be set to call WeChat');
    return api;
  };
  const handle = (handler: Handler) =>
    async function apiHandler(req: Request, res: Response): Promise<void> {
      try {
        configured();
        await handler(req, res);
      } catch (error) {
        sendApiError(res, error, logger);
      }
    };
  let catalog: TemplateCatalog | undefined;
  const templates = (): TemplateCatalog => (catalog ??= createTemplateCatalog(configured().client));
  const messages = messageRoutes(configured, templates, logger);
  const users = userRoutes(configured);

  const router = Router();
  router.use(admin);
  router.use(express.json({ limit: API_JSON_LIMIT }));
  router.get('/access-token', handle(accessTokenRoute(configured)));
  router.get('/templates', handle(templatesRoute(templates)));
  router.post('/messages/template', handle(messages.template));
  router.post('/messages/custom', handle(messages.custom));
  router.post('/media', handle(mediaRoute(configured)));
  router.get('/users/:openid', handle(users.one));
  router.get('/users', handle(users.page));
  router.use(function apiNotFound(req: Request, res: Response) {
    res.status(404).json({ error: `path: no ${req.method} /api${req.path}` });
  });
  router.use(function apiError(error: unknown, _req: Request, res: Response, _next: NextFunction) {
    sendApiError(res, error, logger);
  });
  return router;
}
