import type { IncomingMessage as HttpRequest, ServerResponse } from 'node:http';
import type { Config } from '../core/config.js';
import { ClientGoneError } from '../core/errors.js';
import { messageLine } from '../core/logger.js';
import { REFUSED_TYPE, UNKNOWN_TYPE, type MetricsRecorder } from '../core/metrics.js';
import { isKnownMessage, type InboundMessage } from '../protocol/message-types.js';
import type { Outcome } from '../core/outcome.js';
import { isSealedReply, unsealReply } from '../protocol/safe-mode.js';
import { readQuery } from './read-query.js';
import { readRawBody } from './read-raw-body.js';
import {
  answerVerification,
  receiveMessage,
  TEXT,
  webhookDeps,
  type WebhookAccount,
  type WebhookAnswer,
  type WebhookDeps,
} from './receive-message.js';
import type { Logger } from 'pino';
import { perAccount } from './account-of.js';

function writeAnswer(req: HttpRequest, res: ServerResponse, { status, contentType, body, outcome }: WebhookAnswer): void {
  // A refusal that leaves the body unread does not read it at all: the connection ends with the answer.
  const close = outcome === 'refused' && (status === 413 || !req.readableEnded);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  // Two literals rather than a spread: an object literal with a spread takes V8's slow path.
  res.writeHead(
    status,
    close
      ? { 'Content-Type': contentType, 'Content-Length': length, 'X-Content-Type-Options': 'nosniff', Connection: 'close' }
      : { 'Content-Type': contentType, 'Content-Length': length, 'X-Content-Type-Options': 'nosniff' },
  );
  res.end(body);
}

/** What the webhook needs of an account: that of `receiveMessage`, and the metrics it counts each POST in. */
export type WebhookAdapterAccount = WebhookAccount & { readonly metrics: MetricsRecorder; readonly name: string };

/**
 * Who watches the messages answered (the console's live stream). The webhook asks
 * `watching` once per message and does nothing more while it is false; otherwise it
 * calls `answered` after the answer has been written and logged.
 */
export interface AnswerObserver {
  readonly watching: boolean;
  /** `reply`: the reply's plaintext XML (opened when it was sealed), undefined for none. */
  answered(account: WebhookAdapterAccount, message: InboundMessage, outcome: Outcome, ms: number, reply: () => string | undefined): void;
}

/** The reply's XML as WeChat reads it after opening it: the plaintext of a sealed reply. */
function plainReply(body: string | Buffer, cipher: WebhookDeps['cipher']): string | undefined {
  const bytes = typeof body === 'string' ? Buffer.from(body) : body;
  if (!bytes.subarray(0, 5).equals(Buffer.from('<xml>'))) return undefined;
  if (!isSealedReply(bytes)) return bytes.toString('utf8');
  return cipher === undefined ? undefined : unsealReply(cipher, bytes.toString('utf8'));
}

/**
 * The webhook over plain node:http, so that the hot path needs no framework: WeChat's
 * server verification (GET) and messages (POST), for the account the caller found. This
 * is the HTTP adapter only: the message's way from request to answer is `receiveMessage`
 * (receive-message.ts).
 */
export function createWebhook(config: Pick<Config, 'signatureMaxAgeS'>, logger: Logger, observer?: AnswerObserver) {
  // Each account's deps (token, cipher, stores) are made once, and kept while the account lives.
  const deps = perAccount((account: WebhookAdapterAccount): WebhookDeps => webhookDeps(config, account, logger));
  const logAnswered = messageLine(logger);

  /** GET: WeChat's server verification, answered by `answerVerification`. */
  function verifyServer(req: HttpRequest, res: ServerResponse, account: WebhookAdapterAccount): void {
    writeAnswer(req, res, answerVerification(readQuery(req.url), deps(account)));
  }

  /** POST: one message, answered by `receiveMessage`, then counted and logged. */
  async function receive(req: HttpRequest, res: ServerResponse, account: WebhookAdapterAccount): Promise<void> {
    const started = performance.now();
    const { metrics } = account;
    let answer: WebhookAnswer;
    try {
      answer = await receiveMessage({ query: readQuery(req.url), readBody: () => readRawBody(req) }, deps(account));
    } catch (error) {
      if (error instanceof ClientGoneError) {
        logger.debug('a client left before sending its whole body');
        res.destroy();
      } else {
        // receiveMessage answers every failure it knows; this is a bug, not a request's fault.
        logger.error({ err: error }, 'unexpected error while answering a message');
        writeAnswer(req, res, { status: 500, contentType: TEXT, body: 'internal error\n', outcome: 'internal-error' });
        metrics.countMessage(REFUSED_TYPE, 'internal-error');
      }
      return;
    }
    writeAnswer(req, res, answer);
    const { message, type, id, outcome } = answer;
    // An event has no MsgId: `id` is undefined for it, and it is counted and logged all the same.
    if (message === undefined || type === undefined) {
      metrics.countMessage(REFUSED_TYPE, outcome);
      return;
    }
    const ms = performance.now() - started;
    metrics.countMessage(isKnownMessage(message) ? type : UNKNOWN_TYPE, outcome, ms / 1000);
    logAnswered(type, id, outcome, Math.round(ms * 100) / 100);
    if (observer?.watching === true) {
      observer.answered(account, message, outcome, ms, () => plainReply(answer.body, deps(account).cipher));
    }
  }

  return { verifyServer, receiveMessage: receive };
}
