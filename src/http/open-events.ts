import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ClientGoneError, isCodedError, WebhookRequestError } from '../core/errors.js';
import type { ComponentConfig } from '../core/config.js';
import type { OpenPlatform } from '../open-platform/open-platform.js';
import { createMessageCipher } from '../protocol/cipher.js';
import { openComponentEvent } from '../protocol/component-event.js';
import { verifySignature } from '../protocol/signature.js';
import { withinWindow } from '../protocol/timestamp-window.js';
import { errorResponse, logFailure, sendJsonError } from './error-response.js';
import { readRawBody } from './read-raw-body.js';
import { createRejectionLog } from './rejection-log.js';

export interface OpenEventsOptions {
  readonly component: ComponentConfig;
  readonly platform: Pick<OpenPlatform, 'handleEvent'>;
  /** SIGNATURE_MAX_AGE_S: the webhook's window applies here too. */
  readonly signatureMaxAgeS: number;
  readonly logger: Logger;
}

const TEXT = 'text/plain; charset=utf-8';

/**
 * `POST /open/events`, the platform's 授权事件接收URL: every push is encrypted with the
 * platform's key and signed with its token. Checked as the webhook checks a POST (a
 * missing parameter is a 400; a bad signature, a stale timestamp or anything that does
 * not open, the webhook's 403), then handed to the platform and answered `success`.
 * A push that could not be acted on (WeChat unreachable, no ticket yet for an
 * authorisation: 503) is answered with its error's status and JSON, as the other
 * routes answer, so that WeChat sends it again.
 */
export function openEventsRoute({ component, platform, signatureMaxAgeS, logger }: OpenEventsOptions): RequestHandler {
  const cipher = createMessageCipher(component.aesKey);
  const log = logger.child({ route: '/open/events' });
  const logRejection = createRejectionLog(log);
  const answer = (res: Response, status: number, text: string): void => {
    res.status(status).type(TEXT).send(text);
  };

  return async function openEvents(req: Request, res: Response): Promise<void> {
    let event;
    try {
      const get = (name: string): string | undefined => {
        const value = req.query[name];
        return typeof value === 'string' ? value : undefined;
      };
      const names = ['signature', 'timestamp', 'nonce', 'msg_signature'] as const;
      const [signature, timestamp, nonce, msgSignature] = names.map(get);
      if (signature === undefined || timestamp === undefined || nonce === undefined || msgSignature === undefined) {
        const missing = names.filter((name) => get(name) === undefined);
        throw new WebhookRequestError(400, `missing query parameter: ${missing.join(', ')}`, 'missing-parameter');
      }
      if (!verifySignature(signature, component.token, timestamp, nonce)) {
        throw new WebhookRequestError(403, 'the signature does not match WECHAT_COMPONENT_TOKEN', 'bad-signature');
      }
      if (!withinWindow(timestamp, signatureMaxAgeS, Date.now())) {
        throw new WebhookRequestError(
          403,
          `the timestamp is outside the accepted window of ${signatureMaxAgeS} s (SIGNATURE_MAX_AGE_S): the request is stale or replayed, or this server's clock is off`,
          'timestamp-outside-window',
        );
      }
      const body = await readRawBody(req);
      event = openComponentEvent(cipher, component.token, component.appId, { msgSignature, timestamp, nonce }, body);
    } catch (error) {
      if (error instanceof ClientGoneError) return;
      const response = errorResponse(error);
      if (response.code === 'internal_error') {
        log.error({ err: error }, 'unexpected error while reading an open-platform push');
      } else {
        const reason = isCodedError(error) && error.code === 'webhook_request_refused' ? error.reason : response.code;
        logRejection(reason, response.status, response.message, 'warn');
      }
      answer(res, response.status, `${response.message}\n`);
      return;
    }
    try {
      await platform.handleEvent(event);
      answer(res, 200, 'success');
    } catch (error) {
      const response = errorResponse(error);
      logFailure(log, error, response, `the open-platform push ${event.InfoType === 'other' ? event.infoType : event.InfoType} failed`);
      sendJsonError(res, response);
    }
  };
}
