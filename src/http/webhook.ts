import { hash } from 'node:crypto';
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../core/config.js';
import { LazyChildLogger, messageLine } from '../core/logger.js';
import { isPromiseLike } from '../core/promise-like.js';
import { ClientGoneError, isCodedError, WebhookRequestError } from '../core/errors.js';
import { REFUSED_TYPE, UNKNOWN_TYPE, type MetricsRecorder } from '../core/metrics.js';
import { buildReplyXml } from '../protocol/build-reply.js';
import { createMessageCipher, type MessageCipher } from '../protocol/cipher.js';
import { isKnownMessage, type InboundMessage } from '../protocol/message-types.js';
import { parseXml } from '../protocol/parse-xml.js';
import { retryKeyOf } from '../protocol/retry-key.js';
import { isSealedReply, openMessage, sealReply, unsealReply } from '../protocol/safe-mode.js';
import { verifySignature } from '../protocol/signature.js';
import { rememberUntil, withinWindow } from '../protocol/timestamp-window.js';
import { idOf, keyOf, toMessage } from '../protocol/to-message.js';
import type { Responder } from '../replies/respond.js';
import { NO_REPLY, type RecordedReply } from '../replay-memory/recorded-reply.js';
import { RETRY_WINDOW_MS, type RetryStore } from '../replay-memory/retry-store.js';
import { DIGEST_BYTES, type SeenSignatures } from '../replay-memory/seen-signatures.js';
import { COUNTED_AS, type WebhookOutcome } from './counted-outcome.js';
import { errorResponse, type ErrorResponse } from './error-response.js';
import { readQuery, type Query } from './read-query.js';
import { readRawBody } from './read-raw-body.js';
import { createRejectionLog, type RejectionLog } from './rejection-log.js';

/** What the webhook needs of the services. */
export interface WebhookServices {
  readonly responder: Responder;
  readonly retryStore: RetryStore;
  readonly seenSignatures: SeenSignatures;
  readonly logger: Logger;
  /** Counts each POST and its time to answer (`/metrics`). */
  readonly metrics?: MetricsRecorder;
}

const TEXT = 'text/plain; charset=utf-8';
const XML = 'application/xml; charset=utf-8';
/** WeChat's "no reply": the body most messages are answered with. */
const SUCCESS = Buffer.from('success');

function writeResponse(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/** A short code for the rejection log, which never carries the request's content. */
function reasonOf(error: unknown): string {
  if (!isCodedError(error)) return 'bad-request';
  if (error.code === 'webhook_request_refused') return error.reason;
  if (error.code === 'message_unopenable') return `unopenable-${error.reason}`;
  if (error.code === 'message_xml_invalid') return 'not-a-message';
  return error.code;
}

/** Answers a refusal (a fixed text, never the request's content) and logs it, rate-limited. */
function refuse(req: HttpRequest, res: ServerResponse, refusal: ErrorResponse, reason: string, log: RejectionLog): void {
  log(reason, refusal.status, refusal.message, reason === 'aes-without-key' ? 'error' : 'warn');
  // A body left unread is not read at all: the connection ends with the answer.
  if (refusal.status === 413 || !req.readableEnded) res.setHeader('Connection', 'close');
  writeResponse(res, refusal.status, TEXT, `${refusal.message}\n`);
}

function required(query: Query, ...names: string[]): string[] {
  const values = names.map((name) => query.get(name));
  const missing = names.filter((_, i) => values[i] === undefined);
  if (missing.length > 0) {
    throw new WebhookRequestError(400, `missing query parameter: ${missing.join(', ')}`, 'missing-parameter');
  }
  return values as string[];
}

function badSignature(): WebhookRequestError {
  return new WebhookRequestError(403, 'the signature does not match WECHAT_TOKEN', 'bad-signature');
}

/**
 * A body's digest for the memory of seen signatures: the first 16 bytes of its SHA-256.
 * The one-shot hash() skips the Hash object; its 'buffer' output is not in Node 20, and
 * hex decodes fastest.
 */
function digestOf(body: string): Buffer {
  return Buffer.from(hash('sha256', body, 'hex').slice(0, 2 * DIGEST_BYTES), 'hex');
}

/** A message read, verified and opened, with what its answer needs. */
interface Received {
  readonly message: InboundMessage;
  /** The request came in safe (or compatible) mode: its reply must be sealed. */
  readonly encrypted: boolean;
  /** Wraps the reply's XML as the request came: encrypted in safe mode. */
  readonly seal: (xml: string) => string;
  /** The same signature and body were received before: WeChat's retry, or a replay. */
  readonly repeated: boolean;
}

const asSent = (xml: string): string => xml;

/**
 * The webhook's two handlers, on plain node:http requests so that the hot path needs
 * no framework: WeChat's server verification (GET) and messages (POST).
 */
export function createWebhook(config: Config, { responder, retryStore, seenSignatures, logger, metrics }: WebhookServices) {
  const cipher: MessageCipher | undefined = config.encodingAesKey === undefined ? undefined : createMessageCipher(config.encodingAesKey);
  const logRejection = createRejectionLog(logger);
  const logAnswered = messageLine(logger);
  const maxAgeS = config.signatureMaxAgeS;

  /** GET: echoes `echostr` when the signature is WeChat's, however old its timestamp. */
  function verifyServer(req: HttpRequest, res: ServerResponse): void {
    const query = readQuery(req.url);
    let echostr: string;
    try {
      let signature: string, timestamp: string, nonce: string;
      [signature, timestamp, nonce, echostr] = required(query, 'signature', 'timestamp', 'nonce', 'echostr') as [
        string,
        string,
        string,
        string,
      ];
      if (!verifySignature(signature, config.token, timestamp, nonce)) throw badSignature();
    } catch (error) {
      const refusal = error instanceof WebhookRequestError ? error : new WebhookRequestError(400, 'bad verification request');
      refuse(req, res, errorResponse(refusal), refusal.reason, logRejection);
      return;
    }
    writeResponse(res, 200, TEXT, echostr);
  }

  /**
   * Reads, verifies and opens a message, in an order that spends nothing on a request
   * that is not WeChat's: the URL's signature and timestamp before the body is read,
   * `msg_signature` before anything is parsed, the memory of signatures last.
   */
  async function receive(req: HttpRequest, query: Query): Promise<Received> {
    const encrypted = query.get('encrypt_type') === 'aes';
    const [signature, timestamp, nonce, msgSignature = ''] = required(
      query,
      'signature',
      'timestamp',
      'nonce',
      ...(encrypted ? ['msg_signature'] : []),
    ) as [string, string, string, string?];
    if (!verifySignature(signature, config.token, timestamp, nonce)) throw badSignature();
    const now = Date.now();
    if (!withinWindow(timestamp, maxAgeS, now)) {
      throw new WebhookRequestError(
        403,
        `the timestamp is outside the accepted window of ${maxAgeS} s (SIGNATURE_MAX_AGE_S): the request is stale or replayed, or this server's clock is off`,
        'timestamp-outside-window',
      );
    }
    if (config.requireAes && !encrypted) {
      throw new WebhookRequestError(403, 'this server accepts encrypted messages only (WECHAT_REQUIRE_AES)', 'plaintext-refused');
    }
    if (encrypted && cipher === undefined) {
      throw new WebhookRequestError(400, 'encrypt_type=aes, but this server has no WECHAT_ENCODING_AES_KEY', 'aes-without-key');
    }

    const body = await readRawBody(req);
    let message: InboundMessage;
    let seal = asSent;
    // Protocol errors (UnopenableMessageError, MessageXmlError) become refusals in receiveMessage.
    if (cipher !== undefined && encrypted) {
      const opened = openMessage(cipher, config.token, config.appId, { msgSignature, timestamp, nonce }, body);
      message = opened.message;
      seal = (xml) => sealReply(cipher, config.token, opened.appId, xml);
    } else {
      message = toMessage(parseXml(body));
    }

    // In safe mode the verified msg_signature is already a digest of the body's Encrypt
    // (with the URL's timestamp and nonce), the only part of the body that is read.
    const digest = encrypted ? Buffer.from(msgSignature.slice(0, 2 * DIGEST_BYTES), 'hex') : digestOf(body);
    const seeing = seenSignatures.see(signature, digest, rememberUntil(timestamp, maxAgeS, now, RETRY_WINDOW_MS));
    const sighting = isPromiseLike(seeing) ? await seeing : seeing;
    if (sighting === 'different') {
      throw new WebhookRequestError(403, 'this signature was already used for another message', 'signature-reused');
    }
    return { message, encrypted, seal, repeated: sighting === 'same' };
  }

  /** The reply to the first delivery of a message: its XML (sealed), or none. */
  async function firstReply(
    message: InboundMessage,
    seal: (xml: string) => string,
    logs: LazyChildLogger,
  ): Promise<{ reply: RecordedReply; outcome: WebhookOutcome }> {
    try {
      const pending = responder(message, logs);
      const answered = isPromiseLike(pending) ? await pending : pending;
      if (answered.passive === null) return { reply: NO_REPLY, outcome: answered.outcome };
      const xml = buildReplyXml(answered.passive, { ToUserName: message.FromUserName, FromUserName: message.ToUserName });
      return { reply: Buffer.from(seal(xml)), outcome: answered.outcome };
    } catch (error) {
      logs.log.error({ err: error }, 'the reply could not be built; answered "success"');
      return { reply: NO_REPLY, outcome: 'handler-error' };
    }
  }

  /**
   * A recorded reply in the mode of the request at hand. A retry may come in the other
   * mode than the first delivery (while an account switches its encryption setting), and
   * WeChat cannot read a reply in the other: a plaintext reply is sealed for a safe-mode
   * retry, a sealed one opened for a plaintext retry. Only such a retry pays for it.
   */
  function inModeOf(reply: RecordedReply, { encrypted, seal }: Received): RecordedReply {
    if (reply === NO_REPLY || isSealedReply(reply) === encrypted) return reply;
    if (encrypted) return Buffer.from(seal(reply.toString('utf8')));
    // Sealed by an instance that has the key (Redis) while this one has none: it cannot be opened.
    if (cipher === undefined) throw new Error('a reply recorded sealed cannot be opened without WECHAT_ENCODING_AES_KEY');
    return Buffer.from(unsealReply(cipher, reply.toString('utf8')));
  }

  /** POST: verifies, parses, routes and answers one message, once per retry key. */
  async function receiveMessage(req: HttpRequest, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let received: Received;
    try {
      received = await receive(req, readQuery(req.url));
    } catch (error) {
      if (error instanceof ClientGoneError) {
        logger.debug('a client left before sending its whole body');
        res.destroy();
        return;
      }
      const refusal = errorResponse(error);
      if (refusal.code === 'internal_error') {
        logger.error({ err: error }, 'unexpected error while reading a message');
        writeResponse(res, 500, TEXT, 'internal error\n');
        metrics?.countMessage(REFUSED_TYPE, 'handler_error');
      } else {
        refuse(req, res, refusal, reasonOf(error), logRejection);
        metrics?.countMessage(REFUSED_TYPE, 'refused');
      }
      return;
    }
    const { message, seal, repeated } = received;

    const bindings = { type: keyOf(message), id: idOf(message) };
    const logs = new LazyChildLogger(logger, bindings);
    let result: { reply: RecordedReply; outcome: WebhookOutcome };
    try {
      const claiming = retryStore.claim(retryKeyOf(message));
      const claim = isPromiseLike(claiming) ? await claiming : claiming;
      if (claim.first && repeated) {
        // A signature and body answered before, whose reply is forgotten: not again.
        claim.settle(NO_REPLY);
        result = { reply: NO_REPLY, outcome: 'repeated' };
      } else if (claim.first) {
        result = await firstReply(message, seal, logs);
        claim.settle(result.reply);
      } else {
        // WeChat's retry of a message already (or still being) answered: the same reply.
        result = { reply: inModeOf(await claim.recorded, received), outcome: 'retry' };
      }
    } catch (error) {
      logs.log.error({ err: error }, 'the retry store failed; answered "success"');
      result = { reply: NO_REPLY, outcome: 'store-error' };
    }
    if (result.reply === NO_REPLY) writeResponse(res, 200, TEXT, SUCCESS);
    else writeResponse(res, 200, XML, result.reply);
    const ms = performance.now() - started;
    metrics?.countMessage(isKnownMessage(message) ? bindings.type : UNKNOWN_TYPE, COUNTED_AS[result.outcome], ms / 1000);
    logAnswered(bindings.type, bindings.id, result.outcome, Math.round(ms * 100) / 100);
  }

  return { verifyServer, receiveMessage };
}
