import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { LazyChildLogger } from '../logger.js';
import { WebhookRequestError } from '../errors.js';
import { buildReplyXml } from '../protocol/build-reply.js';
import { createMessageCipher, DecryptError, type MessageCipher } from '../protocol/cipher.js';
import type { IncomingMessage, RawFields } from '../protocol/message-types.js';
import { MessageXmlError, parseEnvelopeXml, parseXml } from '../protocol/parse-xml.js';
import { retryKeyOf } from '../protocol/retry-key.js';
import { sealReply } from '../protocol/safe-mode.js';
import { verifySignature } from '../protocol/signature.js';
import { idOf, keyOf, toMessage } from '../protocol/to-message.js';
import type { Responder } from '../replies/respond.js';
import { SUCCESS_ANSWER as SUCCESS, type RetryStore, type StoredAnswer } from '../replies/retry-store.js';
import { readQuery, type Query } from './read-query.js';
import { ClientGoneError, readRawBody } from './read-raw-body.js';

/** What the webhook needs of the services. */
export interface WebhookServices {
  readonly responder: Responder;
  readonly retryStore: RetryStore;
  readonly logger: Logger;
}

const TEXT = 'text/plain; charset=utf-8';
const XML = 'application/xml; charset=utf-8';

function answer(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

function refuse(res: ServerResponse, error: WebhookRequestError): void {
  if (error.status === 413) res.setHeader('Connection', 'close');
  answer(res, error.status, TEXT, `${error.message}\n`);
}

function required(query: Query, ...names: string[]): string[] {
  const values = names.map((name) => query.get(name));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) throw new WebhookRequestError(400, `missing query parameter: ${missing.join(', ')}`);
  return values as string[];
}

/** Checks `signature` against the token, timestamp and nonce: 400 if absent, 403 if wrong. */
function checkSignature(query: Query, token: string): void {
  const [signature, timestamp, nonce] = required(query, 'signature', 'timestamp', 'nonce') as [string, string, string];
  if (!verifySignature(signature, token, timestamp, nonce)) {
    throw new WebhookRequestError(403, 'the signature does not match WECHAT_TOKEN');
  }
}

/** What a request's mode needs to open the message (from the body) and seal the reply. */
interface Envelope {
  open(body: string): RawFields;
  seal(xml: string): string;
}

const PLAINTEXT: Envelope = { open: parseXml, seal: (xml) => xml };

/**
 * The webhook's two handlers, on plain node:http requests so that the hot path needs
 * no framework: WeChat's server verification (GET) and messages (POST).
 */
export function createWebhook(config: Config, { responder, retryStore, logger }: WebhookServices) {
  const cipher: MessageCipher | undefined = config.encodingAesKey === undefined ? undefined : createMessageCipher(config.encodingAesKey);

  /**
   * Safe and compatible mode (`encrypt_type=aes`): `msg_signature` signs the `Encrypt`
   * field, which decrypts to the message; the reply is encrypted the same way.
   */
  function encryptedEnvelope(query: Query): Envelope {
    if (cipher === undefined) {
      logger.error('a message arrived with encrypt_type=aes but WECHAT_ENCODING_AES_KEY is not set');
      throw new WebhookRequestError(400, 'encrypt_type=aes, but this server has no WECHAT_ENCODING_AES_KEY');
    }
    const [msgSignature, timestamp, nonce] = required(query, 'msg_signature', 'timestamp', 'nonce') as [string, string, string];
    // WeChat also sends the plaintext `signature`; when present it must be right too.
    if (query.has('signature')) checkSignature(query, config.token);
    let appId = config.appId;
    return {
      open(body) {
        const encrypted = parseEnvelopeXml(body).Encrypt;
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
  function verifyServer(req: HttpRequest, res: ServerResponse): void {
    const query = readQuery(req.url);
    let echostr: string;
    try {
      [echostr] = required(query, 'echostr') as [string];
      checkSignature(query, config.token);
    } catch (error) {
      refuse(res, error instanceof WebhookRequestError ? error : new WebhookRequestError(400, 'bad verification request'));
      return;
    }
    answer(res, 200, TEXT, echostr);
  }

  /** Reads, verifies and parses the message (decrypting in safe mode); 4xx otherwise. */
  async function readMessage(req: HttpRequest, query: Query): Promise<{ message: IncomingMessage; envelope: Envelope }> {
    let envelope = PLAINTEXT;
    if (query.get('encrypt_type') === 'aes') envelope = encryptedEnvelope(query);
    else checkSignature(query, config.token);
    const message = toMessage(envelope.open(await readRawBody(req)));
    return { message, envelope };
  }

  /** The answer to the first delivery of a message: the reply XML (sealed), or `success`. */
  async function firstAnswer(
    message: IncomingMessage,
    envelope: Envelope,
    logs: LazyChildLogger,
  ): Promise<{ stored: StoredAnswer; outcome: string }> {
    try {
      const pending = responder(message, logs);
      const answered = pending instanceof Promise ? await pending : pending;
      if (answered.passive === null) return { stored: SUCCESS, outcome: answered.outcome };
      const xml = buildReplyXml(answered.passive, { ToUserName: message.FromUserName, FromUserName: message.ToUserName });
      return { stored: { contentType: XML, body: Buffer.from(envelope.seal(xml)) }, outcome: answered.outcome };
    } catch (error) {
      logs.log.error({ err: error }, 'the reply could not be built; answered "success"');
      return { stored: SUCCESS, outcome: 'handler-error' };
    }
  }

  /** POST: verifies, parses, routes and answers one message, once per retry key. */
  async function receiveMessage(req: HttpRequest, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let message: IncomingMessage;
    let envelope: Envelope;
    try {
      ({ message, envelope } = await readMessage(req, readQuery(req.url)));
    } catch (error) {
      if (error instanceof WebhookRequestError) refuse(res, error);
      else if (error instanceof MessageXmlError) refuse(res, new WebhookRequestError(400, error.message));
      else if (error instanceof ClientGoneError) {
        logger.debug('a client left before sending its whole body');
        res.destroy();
      } else {
        logger.error({ err: error }, 'unexpected error while reading a message');
        answer(res, 500, TEXT, 'internal error\n');
      }
      return;
    }

    const bindings = { type: keyOf(message), id: idOf(message) };
    const logs = new LazyChildLogger(logger, bindings);
    let result: { stored: StoredAnswer; outcome: string };
    try {
      const claiming = retryStore.claim(retryKeyOf(message));
      const claim = claiming instanceof Promise ? await claiming : claiming;
      if (claim.first) {
        result = await firstAnswer(message, envelope, logs);
        claim.settle(result.stored);
      } else {
        // WeChat's retry of a message already (or still being) answered: the same bytes.
        result = { stored: await claim.answer, outcome: 'retry' };
      }
    } catch (error) {
      logs.log.error({ err: error }, 'the retry store failed; answered "success"');
      result = { stored: SUCCESS, outcome: 'store-error' };
    }
    answer(res, 200, result.stored.contentType, result.stored.body);
    if (logger.isLevelEnabled('info')) {
      logger.info({ ...bindings, outcome: result.outcome, ms: Math.round((performance.now() - started) * 100) / 100 }, 'message answered');
    }
  }

  return { verifyServer, receiveMessage };
}
