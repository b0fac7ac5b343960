import { createHash } from 'node:crypto';
import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { LazyChildLogger } from '../logger.js';
import { isPromiseLike } from '../promise-like.js';
import { WebhookRequestError } from '../errors.js';
import { buildReplyXml } from '../protocol/build-reply.js';
import { createMessageCipher, type MessageCipher } from '../protocol/cipher.js';
import type { IncomingMessage } from '../protocol/message-types.js';
import { MessageXmlError, parseXml } from '../protocol/parse-xml.js';
import { retryKeyOf } from '../protocol/retry-key.js';
import { openMessage, sealReply, UnopenableMessageError } from '../protocol/safe-mode.js';
import { verifySignature } from '../protocol/signature.js';
import { rememberUntil, withinWindow } from '../protocol/timestamp-window.js';
import { idOf, keyOf, toMessage } from '../protocol/to-message.js';
import type { Responder } from '../replies/respond.js';
import { NO_REPLY, RETRY_WINDOW_MS, type RecordedReply, type RetryStore } from '../replies/retry-store.js';
import { DIGEST_BYTES, type SeenSignatures } from '../replies/seen-signatures.js';
import { readQuery, type Query } from './read-query.js';
import { ClientGoneError, readRawBody } from './read-raw-body.js';
import { createRejectionLog, type RejectionLog } from './rejection-log.js';

/** What the webhook needs of the services. */
export interface WebhookServices {
  readonly responder: Responder;
  readonly retryStore: RetryStore;
  readonly seenSignatures: SeenSignatures;
  readonly logger: Logger;
}

const TEXT = 'text/plain; charset=utf-8';
const XML = 'application/xml; charset=utf-8';
/** WeChat's "no reply": the body most messages are answered with. */
const SUCCESS = Buffer.from('success');

/** The one answer to every encrypted message that cannot be opened, whatever the cause. */
const UNOPENABLE = 'the encrypted message could not be opened';

function answer(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, {
    'Content-Type': type,
    'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.length,
    'X-Content-Type-Options': 'nosniff',
  });
  res.end(body);
}

/** Answers a refusal (a fixed text, never the request's content) and logs it, rate-limited. */
function refuse(req: HttpRequest, res: ServerResponse, error: WebhookRequestError, log: RejectionLog): void {
  log(error.reason, error.status, error.message, error.reason === 'aes-without-key' ? 'error' : 'warn');
  // A body left unread is not read at all: the connection ends with the answer.
  if (error.status === 413 || !req.readableEnded) res.setHeader('Connection', 'close');
  answer(res, error.status, TEXT, `${error.message}\n`);
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

/** A body's digest for the memory of seen signatures. */
function digestOf(body: string): Buffer {
  return createHash('sha256').update(body).digest().subarray(0, DIGEST_BYTES);
}

/** A message read, verified and opened, with what its answer needs. */
interface Received {
  readonly message: IncomingMessage;
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
export function createWebhook(config: Config, { responder, retryStore, seenSignatures, logger }: WebhookServices) {
  const cipher: MessageCipher | undefined = config.encodingAesKey === undefined ? undefined : createMessageCipher(config.encodingAesKey);
  const logRejection = createRejectionLog(logger);
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
      refuse(
        req,
        res,
        error instanceof WebhookRequestError ? error : new WebhookRequestError(400, 'bad verification request'),
        logRejection,
      );
      return;
    }
    answer(res, 200, TEXT, echostr);
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
    let message: IncomingMessage;
    let seal = asSent;
    if (cipher !== undefined && encrypted) {
      try {
        const opened = openMessage(cipher, config.token, config.appId, { msgSignature, timestamp, nonce }, body);
        message = opened.message;
        seal = (xml) => sealReply(cipher, config.token, opened.appId, xml);
      } catch (error) {
        if (error instanceof UnopenableMessageError) throw new WebhookRequestError(403, UNOPENABLE, `unopenable-${error.reason}`);
        throw error;
      }
    } else {
      try {
        message = toMessage(parseXml(body));
      } catch (error) {
        if (error instanceof MessageXmlError) {
          throw new WebhookRequestError(400, 'the body is not a WeChat message (XML with an <xml> root and a MsgType)', 'not-a-message');
        }
        throw error;
      }
    }

    const seeing = seenSignatures.see(signature, digestOf(body), rememberUntil(timestamp, maxAgeS, now, RETRY_WINDOW_MS));
    const sighting = isPromiseLike(seeing) ? await seeing : seeing;
    if (sighting === 'different') {
      throw new WebhookRequestError(403, 'this signature was already used for another message', 'signature-reused');
    }
    return { message, seal, repeated: sighting === 'same' };
  }

  /** The reply to the first delivery of a message: its XML (sealed), or none. */
  async function firstReply(
    message: IncomingMessage,
    seal: (xml: string) => string,
    logs: LazyChildLogger,
  ): Promise<{ reply: RecordedReply; outcome: string }> {
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

  /** POST: verifies, parses, routes and answers one message, once per retry key. */
  async function receiveMessage(req: HttpRequest, res: ServerResponse): Promise<void> {
    const started = performance.now();
    let received: Received;
    try {
      received = await receive(req, readQuery(req.url));
    } catch (error) {
      if (error instanceof WebhookRequestError) refuse(req, res, error, logRejection);
      else if (error instanceof ClientGoneError) {
        logger.debug('a client left before sending its whole body');
        res.destroy();
      } else {
        logger.error({ err: error }, 'unexpected error while reading a message');
        answer(res, 500, TEXT, 'internal error\n');
      }
      return;
    }
    const { message, seal, repeated } = received;

    const bindings = { type: keyOf(message), id: idOf(message) };
    const logs = new LazyChildLogger(logger, bindings);
    let result: { reply: RecordedReply; outcome: string };
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
        // WeChat's retry of a message already (or still being) answered: the same bytes.
        result = { reply: await claim.recorded, outcome: 'retry' };
      }
    } catch (error) {
      logs.log.error({ err: error }, 'the retry store failed; answered "success"');
      result = { reply: NO_REPLY, outcome: 'store-error' };
    }
    if (result.reply === NO_REPLY) answer(res, 200, TEXT, SUCCESS);
    else answer(res, 200, XML, result.reply);
    if (logger.isLevelEnabled('info')) {
      logger.info({ ...bindings, outcome: result.outcome, ms: Math.round((performance.now() - started) * 100) / 100 }, 'message answered');
    }
  }

  return { verifyServer, receiveMessage };
}
