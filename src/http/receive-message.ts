import { hash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Account } from '../accounts/account.js';
import type { Config } from '../core/config.js';
import { ClientGoneError, isCodedError, WebhookRequestError } from '../core/errors.js';
import { LazyChildLogger } from '../core/logger.js';
import type { Outcome } from '../core/outcome.js';
import { isPromiseLike } from '../core/promise-like.js';
import { buildReplyXml } from '../protocol/build-reply.js';
import { createMessageCipher, type MessageCipher } from '../protocol/cipher.js';
import type { InboundMessage } from '../protocol/message-types.js';
import { parseXml } from '../protocol/parse-xml.js';
import { retryKeyOf } from '../protocol/retry-key.js';
import { isSealedReply, openMessage, sealReply, unsealReply } from '../protocol/safe-mode.js';
import { verifySignature } from '../protocol/signature.js';
import { rememberUntil, withinWindow } from '../protocol/timestamp-window.js';
import { idOf, keyOf, toMessage } from '../protocol/to-message.js';
import { NO_REPLY, type RecordedReply } from '../replay-memory/recorded-reply.js';
import { RETRY_WINDOW_MS, type RetryStore } from '../replay-memory/retry-store.js';
import { DIGEST_BYTES, type SeenSignatures } from '../replay-memory/seen-signatures.js';
import type { Responder } from '../replies/respond.js';
import type { Reach } from '../reach/reach.js';
import type { PublishingEvents } from '../articles/publishing-events.js';
import { errorResponse } from './error-response.js';
import type { Query } from './read-query.js';
import { createRejectionLog, type RejectionLog } from './rejection-log.js';

/** A request to the webhook, as `receiveMessage` sees it: no socket, no response object. */
export interface WebhookRequest {
  readonly query: Query;
  /** Reads the body (bounded), once the URL has shown the request is WeChat's. */
  readBody(): Promise<string>;
}

/** What to answer, and what became of the message. */
export interface WebhookAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string | Buffer;
  readonly outcome: Outcome;
  /** The message answered, with its routing key and id as the log writes them; absent when refused. */
  readonly message?: InboundMessage;
  readonly type?: string;
  readonly id?: string;
}

/** What the webhook needs: made once per account by `webhookDeps`. */
export interface WebhookDeps {
  readonly token: string;
  readonly appId: string | undefined;
  readonly requireAes: boolean;
  readonly signatureMaxAgeS: number;
  /** Safe mode's cipher, when WECHAT_ENCODING_AES_KEY is set. */
  readonly cipher: MessageCipher | undefined;
  readonly responder: Responder;
  readonly retryStore: RetryStore;
  readonly seenSignatures: SeenSignatures;
  /** Told of each message's first delivery: the customer-service window and notice grants (undefined without the API). */
  readonly reach: Pick<Reach, 'note'> | undefined;
  /** Told of each message's first delivery: records how publishes and mass sends ended. */
  readonly publishing: PublishingEvents | undefined;
  readonly logger: Logger;
  /** Refusals, logged once per reason per interval. */
  readonly logRejection: RejectionLog;
}

/** The parts of an account the webhook uses. */
export type WebhookAccount = Pick<Account, 'settings' | 'responder' | 'retryStore' | 'seenSignatures' | 'reach' | 'publishing'>;

/** What `receiveMessage` needs for one account: its token, key and stores, and the server's signature window. */
export function webhookDeps(config: Pick<Config, 'signatureMaxAgeS'>, account: WebhookAccount, logger: Logger): WebhookDeps {
  const { settings, responder, retryStore, seenSignatures, reach, publishing } = account;
  return {
    token: settings.token,
    // The AppID inside the ciphertext: an authorised account's messages carry the platform's.
    appId: settings.componentAppId ?? settings.appId,
    requireAes: settings.requireAes,
    signatureMaxAgeS: config.signatureMaxAgeS,
    cipher: settings.encodingAesKey === undefined ? undefined : createMessageCipher(settings.encodingAesKey),
    responder,
    retryStore,
    seenSignatures,
    reach,
    publishing: publishing?.events,
    logger,
    logRejection: createRejectionLog(logger),
  };
}

export const TEXT = 'text/plain; charset=utf-8';
const XML = 'application/xml; charset=utf-8';
/** WeChat's "no reply": the body most messages are answered with. */
const SUCCESS = Buffer.from('success');

/** A short code for the rejection log, which never carries the request's content. */
function reasonOf(error: unknown): string {
  if (!isCodedError(error)) return 'bad-request';
  if (error.code === 'webhook_request_refused') return error.reason;
  if (error.code === 'message_unopenable') return `unopenable-${error.reason}`;
  if (error.code === 'message_xml_invalid') return 'not-a-message';
  return error.code;
}

/** The refusal of a request that lacks some of `names`. */
function missingParameters(query: Query, names: readonly string[]): WebhookRequestError {
  const missing = names.filter((name) => query.get(name) === undefined);
  return new WebhookRequestError(400, `missing query parameter: ${missing.join(', ')}`, 'missing-parameter');
}

function required(query: Query, ...names: string[]): string[] {
  const values = names.map((name) => query.get(name));
  if (values.includes(undefined)) throw missingParameters(query, names);
  return values as string[];
}

function badSignature(): WebhookRequestError {
  return new WebhookRequestError(403, 'the signature does not match WECHAT_TOKEN', 'bad-signature');
}

/** A refusal: a fixed text, never the request's content, logged rate-limited. */
function refusal(error: unknown, logRejection: RejectionLog): WebhookAnswer {
  const response = errorResponse(error);
  const reason = reasonOf(error);
  logRejection(reason, response.status, response.message, reason === 'aes-without-key' ? 'error' : 'warn');
  return { status: response.status, contentType: TEXT, body: `${response.message}\n`, outcome: 'refused' };
}

/** GET, WeChat's server verification: `echostr` back when the signature is WeChat's, however old its timestamp. */
export function answerVerification(query: Query, deps: Pick<WebhookDeps, 'token' | 'logRejection'>): WebhookAnswer {
  try {
    const [signature, timestamp, nonce, echostr] = required(query, 'signature', 'timestamp', 'nonce', 'echostr') as [
      string,
      string,
      string,
      string,
    ];
    if (!verifySignature(signature, deps.token, timestamp, nonce)) throw badSignature();
    return { status: 200, contentType: TEXT, body: echostr, outcome: 'reply' };
  } catch (error) {
    const refused = error instanceof WebhookRequestError ? error : new WebhookRequestError(400, 'bad verification request');
    return refusal(refused, deps.logRejection);
  }
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
 * Reads, verifies and opens a message, in an order that spends nothing on a request
 * that is not WeChat's: the URL's signature and timestamp before the body is read,
 * `msg_signature` before anything is parsed, the memory of signatures last.
 */
export async function verifyAndOpen(request: WebhookRequest, deps: WebhookDeps): Promise<Received> {
  const { query } = request;
  const { token, cipher, signatureMaxAgeS: maxAgeS } = deps;
  const encrypted = query.get('encrypt_type') === 'aes';
  const signature = query.get('signature');
  const timestamp = query.get('timestamp');
  const nonce = query.get('nonce');
  const msgSignature = encrypted ? query.get('msg_signature') : '';
  if (signature === undefined || timestamp === undefined || nonce === undefined || msgSignature === undefined) {
    throw missingParameters(query, encrypted ? ['signature', 'timestamp', 'nonce', 'msg_signature'] : ['signature', 'timestamp', 'nonce']);
  }
  if (!verifySignature(signature, token, timestamp, nonce)) throw badSignature();
  const now = Date.now();
  if (!withinWindow(timestamp, maxAgeS, now)) {
    throw new WebhookRequestError(
      403,
      `the timestamp is outside the accepted window of ${maxAgeS} s (SIGNATURE_MAX_AGE_S): the request is stale or replayed, or this server's clock is off`,
      'timestamp-outside-window',
    );
  }
  if (deps.requireAes && !encrypted) {
    throw new WebhookRequestError(403, 'this server accepts encrypted messages only (WECHAT_REQUIRE_AES)', 'plaintext-refused');
  }
  if (encrypted && cipher === undefined) {
    throw new WebhookRequestError(400, 'encrypt_type=aes, but this server has no WECHAT_ENCODING_AES_KEY', 'aes-without-key');
  }

  const body = await request.readBody();
  let message: InboundMessage;
  let seal = asSent;
  // Protocol errors (UnopenableMessageError, MessageXmlError) become refusals in receiveMessage.
  if (cipher !== undefined && encrypted) {
    const opened = openMessage(cipher, token, deps.appId, { msgSignature, timestamp, nonce }, body);
    message = opened.message;
    seal = (xml) => sealReply(cipher, token, opened.appId, xml);
  } else {
    message = toMessage(parseXml(body));
  }

  // In safe mode the verified msg_signature is already a digest of the body's Encrypt
  // (with the URL's timestamp and nonce), the only part of the body that is read.
  const digest = encrypted ? Buffer.from(msgSignature.slice(0, 2 * DIGEST_BYTES), 'hex') : digestOf(body);
  const seeing = deps.seenSignatures.see(signature, digest, rememberUntil(timestamp, maxAgeS, now, RETRY_WINDOW_MS));
  const sighting = isPromiseLike(seeing) ? await seeing : seeing;
  if (sighting === 'different') {
    throw new WebhookRequestError(403, 'this signature was already used for another message', 'signature-reused');
  }
  return { message, encrypted, seal, repeated: sighting === 'same' };
}

/** The reply to the first delivery of a message: its XML (sealed), or none. */
export async function firstReply(
  message: InboundMessage,
  seal: (xml: string) => string,
  logs: LazyChildLogger,
  responder: Responder,
): Promise<{ reply: RecordedReply; outcome: Outcome }> {
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
export function inModeOf(reply: RecordedReply, { encrypted, seal }: Received, cipher: MessageCipher | undefined): RecordedReply {
  if (reply === NO_REPLY || isSealedReply(reply) === encrypted) return reply;
  if (encrypted) return Buffer.from(seal(reply.toString('utf8')));
  // Sealed by an instance that has the key (Redis) while this one has none: it cannot be opened.
  if (cipher === undefined) throw new Error('a reply recorded sealed cannot be opened without WECHAT_ENCODING_AES_KEY');
  return Buffer.from(unsealReply(cipher, reply.toString('utf8')));
}

/**
 * One POST to the webhook, from the request to the answer: verify and open
 * (`verifyAndOpen`), answer once per retry key (the retry store: a first delivery runs
 * the responder, a retry gets the recorded reply in its own mode), seal. Never touches
 * a socket: the HTTP adapter (`webhook.ts`) reads the query, hands the body over and
 * writes the answer. A client that leaves mid-body rejects with ClientGoneError.
 */
export async function receiveMessage(request: WebhookRequest, deps: WebhookDeps): Promise<WebhookAnswer> {
  let received: Received;
  try {
    received = await verifyAndOpen(request, deps);
  } catch (error) {
    if (error instanceof ClientGoneError) throw error;
    const response = errorResponse(error);
    if (response.code === 'internal_error') {
      deps.logger.error({ err: error }, 'unexpected error while reading a message');
      return { status: 500, contentType: TEXT, body: 'internal error\n', outcome: 'internal-error' };
    }
    return refusal(error, deps.logRejection);
  }
  const { message, seal, repeated } = received;
  const type = keyOf(message);
  const id = idOf(message);
  const logs = new LazyChildLogger(deps.logger, { type, id });
  let result: { reply: RecordedReply; outcome: Outcome };
  try {
    const claiming = deps.retryStore.claim(retryKeyOf(message));
    const claim = isPromiseLike(claiming) ? await claiming : claiming;
    if (claim.first && repeated) {
      // A signature and body answered before, whose reply is forgotten: not again.
      claim.settle(NO_REPLY);
      result = { reply: NO_REPLY, outcome: 'repeated' };
    } else if (claim.first) {
      deps.reach?.note(message);
      deps.publishing?.note(message);
      result = await firstReply(message, seal, logs, deps.responder);
      claim.settle(result.reply);
    } else {
      // WeChat's retry of a message already (or still being) answered: the same reply.
      result = { reply: inModeOf(await claim.recorded, received, deps.cipher), outcome: 'retry' };
    }
  } catch (error) {
    logs.log.error({ err: error }, 'the retry store failed; answered "success"');
    result = { reply: NO_REPLY, outcome: 'store-error' };
  }
  return result.reply === NO_REPLY
    ? { status: 200, contentType: TEXT, body: SUCCESS, outcome: result.outcome, message, type, id }
    : { status: 200, contentType: XML, body: result.reply, outcome: result.outcome, message, type, id };
}
