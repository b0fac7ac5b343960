import express, { type Router } from 'express';
import type { WeChatApi } from '../api/create-api.js';
import type { Config } from '../config.js';
import { createServices, type ServiceOptions } from '../services.js';
import { createWebhook } from './webhook.js';

/** The webhook as a router to mount in an Express app of one's own. */
export interface WeChatMiddleware extends Router {
  /** WeChat's API, when AppID and AppSecret are configured. */
  readonly api: WeChatApi | undefined;
  /** Closes what the middleware opened (the Redis connection). */
  shutdown(): Promise<void>;
}

/**
 * WeChat's webhook (GET verification, POST messages) for an app of your own:
 * `app.use('/wechat', wechatMiddleware(config, { router }))`. Mount it before any body
 * parser: it reads the raw body itself. `config.wechatPath` is not used.
 */
export function wechatMiddleware(config: Config, options: ServiceOptions = {}): WeChatMiddleware {
  const services = createServices(config, options);
  const webhook = createWebhook(config, services);
  const router = express.Router();
  router.get('/', webhook.verifyServer);
  router.post('/', webhook.receiveMessage);
  return Object.assign(router, { api: services.api, shutdown: services.shutdown });
}
