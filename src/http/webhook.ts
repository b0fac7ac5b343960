import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { WebhookRequestError } from '../errors.js';
import { buildReplyXml } from '../protocol/build-reply.js';
import { parseXml } from '../protocol/parse-xml.js';
import { verifySignature } from '../protocol/signature.js';
import { idOf, keyOf, toMessage } from '../protocol/to-message.js';
import type { Responder } from '../replies/respond.js';
import { readRawBody } from './read-raw-body.js';

export interface WebhookOptions {
  readonly config: Config;
  readonly responder: Responder;
  readonly logger: Logger;
}

/** A query parameter as one string, or undefined when absent or repeated. */
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

/** Checks `signature` against the token, timestamp and nonce: 400 if absent, 403 if wrong. */
function checkSignature(req: Request, token: string): void {
  const signature = param(req, 'signature');
  const timestamp = param(req, 'timestamp');
  const nonce = param(req, 'nonce');
  if (signature === undefined || timestamp === undefined || nonce === undefined) {
    throw new WebhookRequestError(400, 'signature, timestamp and nonce are required');
  }
  if (!verifySignature(signature, token, timestamp, nonce)) {
    throw new WebhookRequestError(403, 'the signature does not match WECHAT_TOKEN');
  }
}

/** The webhook's two routes: WeChat's server verification (GET) and messages (POST). */
export function createWebhook({ config, responder, logger }: WebhookOptions) {
  /** GET: echoes `echostr` when the signature is WeChat's. */
  function verifyServer(req: Request, res: Response): void {
    const echostr = param(req, 'echostr');
    try {
      if (echostr === undefined) throw new WebhookRequestError(400, 'echostr is required');
      checkSignature(req, config.token);
    } catch (error) {
      refuse(res, error as WebhookRequestError);
      return;
    }
    answer(res, 200, 'text/plain; charset=utf-8', echostr);
  }

  /** POST: verifies, parses, routes and answers one message or event. */
  async function receiveMessage(req: Request, res: Response, next: NextFunction): Promise<void> {
    const started = process.hrtime.bigint();
    let message;
    try {
      checkSignature(req, config.token);
      message = toMessage(parseXml(await readRawBody(req)));
    } catch (error) {
      if (error instanceof WebhookRequestError) refuse(res, error);
      else if (error instanceof Error && error.name === 'MessageXmlError') {
        refuse(res, new WebhookRequestError(400, error.message));
      } else next(error);
      return;
    }

    const log = logger.child({ type: keyOf(message), id: idOf(message) });
    const { reply, outcome } = await responder(message, log);
    if (reply === null) {
      answer(res, 200, 'text/plain; charset=utf-8', 'success');
    } else {
      const xml = buildReplyXml(reply, { ToUserName: message.FromUserName, FromUserName: message.ToUserName });
      answer(res, 200, 'application/xml; charset=utf-8', xml);
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    log.info({ outcome, reply: reply?.type, ms: Math.round(ms * 100) / 100 }, 'message answered');
  }

  return { verifyServer, receiveMessage };
}
