import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { WebhookRequestError } from '../errors.js';
import { buildReplyXml } from '../protocol/build-reply.js';
import { createMessageCipher, DecryptError, type MessageCipher } from '../protocol/cipher.js';
import type { IncomingMessage, RawFields } from '../protocol/message-types.js';
import { MessageXmlError, parseXml } from '../protocol/parse-xml.js';
import { sealReply } from '../protocol/safe-mode.js';
import { verifySignature } from '../protocol/signature.js';
import { idOf, keyOf, toMessage } from '../protocol/to-message.js';
import { retryKeyOf } from '../protocol/retry-key.js';
import type { Responder } from '../replies/respond.js';
import type { RetryStore, StoredAnswer } from '../replies/retry-store.js';
import { readRawBody } from './read-raw-body.js';

/** What the webhook needs of the services. */
export interface WebhookServices {
  readonly responder: Responder;
  readonly retryStore: RetryStore;
  readonly logger: Logger;
}

const SUCCESS: StoredAnswer = { contentType: 'text/plain; charset=utf-8', body: 'success' };

/** A query parameter as one string, or undefined when absent, empty or repeated. */
function param(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function answer(res: Response, status: number, type: string, body: string): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

function refuse(res: Response, error: WebhookRequestError): void {
  if (error.status === 413) res.setHeader('Connection', 'close');
  answer(res, error.status, 'text/plain; charset=utf-8', `${error.message}\n`);
}

function required(req: Request, ...names: string[]): string[] {
  const values = names.map((name) => param(req, name));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) throw new WebhookRequestError(400, `missing query parameter: ${missing.join(', ')}`);
  return values as string[];
}

/** Checks `signature` against the token, timestamp and nonce: 400 if absent, 403 if wrong. */
function checkSignature(req: Request, token: string): void {
  const [signature, timestamp, nonce] = required(req, 'signature', 'timestamp', 'nonce') as [string, string, string];
  if (!verifySignature(signature, token, timestamp, nonce)) {
    throw new WebhookRequestError(403, 'the signature does not match WECHAT_TOKEN');
  }
}

/** What a request's mode needs to open the message and seal the reply. */
interface Envelope {
  open(fields: RawFields): RawFields;
  seal(xml: string): string;
}

const PLAINTEXT: Envelope = { open: (fields) => fields, seal: (xml) => xml };

/** The webhook's two routes: WeChat's server verification (GET) and messages (POST). */
export function createWebhook(config: Config, { responder, retryStore, logger }: WebhookServices) {
  const cipher: MessageCipher | undefined =
    config.encodingAesKey === undefined ? undefined : createMessageCipher(config.encodingAesKey);

  /**
   * Safe and compatible mode (`encrypt_type=aes`): `msg_signature` signs the `Encrypt`
   * field, which decrypts to the message; the reply is encrypted the same way.
   */
  function encryptedEnvelope(req: Request): Envelope {
    if (cipher === undefined) {
      logger.error('a message arrived with encrypt_type=aes but WECHAT_ENCODING_AES_KEY is not set');
      throw new WebhookRequestError(400, 'encrypt_type=aes, but this server has no WECHAT_ENCODING_AES_KEY');
    }
    const [msgSignature, timestamp, nonce] = required(req, 'msg_signature', 'timestamp', 'nonce') as [string, string, string];
    // WeChat also sends the plaintext `signature`; when present it must be right too.
    if (param(req, 'signature') !== undefined) checkSignature(req, config.token);
    let appId = config.appId;
    return {
      open(fields) {
        const encrypted = fields.Encrypt;
        if (typeof encrypted !== 'string' || encrypted === '') {
          throw new WebhookRequestError(400, 'encrypt_type=aes, but the body has no Encrypt field');
        }
        if (!verifySignature(msgSignature, config.token, timestamp, nonce, encrypted)) {
          throw new WebhookRequestError(403, 'msg_signature does not match WECHAT_TOKEN and Encrypt');
        }
        let decrypted;
        try {
          decrypted = cipher.decrypt(encrypted);
        } catch (error) {
          if (error instanceof DecryptError) throw new WebhookRequestError(403, `Encrypt does not decrypt: ${error.message}`);
          throw error;
        }
        if (appId !== undefined && decrypted.appId !== appId) {
          throw new WebhookRequestError(403, 'the decrypted AppID is not WECHAT_APPID');
        }
        appId ??= decrypted.appId;
        return parseXml(decrypted.xml);
      },
      seal: (xml) => sealReply(cipher, config.token, appId ?? '', xml),
    };
  }

  /** GET: echoes `echostr` when the signature is WeChat's. */
  function verifyServer(req: Request, res: Response): void {
    let echostr: string;
    try {
      [echostr] = required(req, 'echostr') as [string];
      checkSignature(req, config.token);
    } catch (error) {
      refuse(res, error as WebhookRequestError);
      return;
    }
    answer(res, 200, 'text/plain; charset=utf-8', echostr);
  }

  /** POST: verifies, parses (decrypting in safe mode), routes and answers one message. */
  async function receiveMessage(req: Request, res: Response, next: NextFunction): Promise<void> {
    const started = process.hrtime.bigint();
    let envelope: Envelope;
    let message: IncomingMessage;
    try {
      if (param(req, 'encrypt_type') === 'aes') {
        envelope = encryptedEnvelope(req);
      } else {
        checkSignature(req, config.token);
        envelope = PLAINTEXT;
      }
      message = toMessage(envelope.open(parseXml(await readRawBody(req))));
    } catch (error) {
      if (error instanceof WebhookRequestError) refuse(res, error);
      else if (error instanceof MessageXmlError) refuse(res, new WebhookRequestError(400, error.message));
      else next(error);
      return;
    }

    const log = logger.child({ type: keyOf(message), id: idOf(message) });
    const claim = await retryStore.claim(retryKeyOf(message));
    let stored: StoredAnswer;
    let outcome: string;
    if (claim.first) {
      // The claim is settled whatever happens, or WeChat's retries would wait forever.
      stored = SUCCESS;
      outcome = 'handler-error';
      try {
        const answered = await responder(message, log);
        outcome = answered.outcome;
        const reply = answered.passive;
        if (reply !== null) {
          const xml = buildReplyXml(reply, { ToUserName: message.FromUserName, FromUserName: message.ToUserName });
          stored = { contentType: 'application/xml; charset=utf-8', body: envelope.seal(xml) };
        }
      } catch (error) {
        log.error({ err: error }, 'the reply could not be built; answered "success"');
      } finally {
        claim.settle(stored);
      }
    } else {
      // WeChat's retry of a message already (or still being) answered: the same answer.
      stored = await claim.answer;
      outcome = 'retry';
    }
    answer(res, 200, stored.contentType, stored.body);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log.info({ outcome, ms: Math.round(ms * 100) / 100 }, 'message answered');
  }

  return { verifyServer, receiveMessage };
}
