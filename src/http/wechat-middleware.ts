import express, { type Router } from 'express';
import type { Config } from '../core/config.js';
import { createWebhook, type WebhookAdapterServices } from './webhook.js';

/**
 * The webhook's two handlers (GET verification, POST messages) as an Express router,
 * on services built by the caller (`createServices`). Mount it before any body parser:
 * it reads the raw body itself.
 */
export function webhookRouter(config: Config, services: WebhookAdapterServices): Router {
  const webhook = createWebhook(config, services);
  const router = express.Router();
  router.get('/', webhook.verifyServer);
  router.post('/', webhook.receiveMessage);
  return router;
}
