import express, { type Router } from 'express';
import type { Config } from '../core/config.js';
import type { Logger } from 'pino';
import { createWebhook, type WebhookAdapterAccount } from './webhook.js';

/**
 * The webhook's two handlers (GET verification, POST messages) as an Express router,
 * for one account built by the caller. Mount it before any body parser: it reads the
 * raw body itself.
 */
export function webhookRouter(config: Pick<Config, 'signatureMaxAgeS'>, account: WebhookAdapterAccount, logger: Logger): Router {
  const webhook = createWebhook(config, logger);
  const router = express.Router();
  router.get('/', (req, res) => webhook.verifyServer(req, res, account));
  router.post('/', (req, res) => webhook.receiveMessage(req, res, account));
  return router;
}
