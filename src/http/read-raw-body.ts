import type { IncomingMessage } from 'node:http';
import { ClientGoneError, WebhookRequestError } from '../core/errors.js';

/** WeChat's messages are a few KiB; anything past this is not from WeChat. */
export const MAX_BODY_BYTES = 256 * 1024;

/**
 * Reads the whole request body as UTF-8, whatever the Content-Type, refusing more
 * than `limit` bytes with a 413 before reading them all.
 */
export function readRawBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<string> {
  if (req.readableEnded) {
    return Promise.reject(new Error('the request body was already read: mount wechatMiddleware before any body parser'));
  }
  // A client that left before the listeners below are attached would never send 'close' again.
  if (req.destroyed) return Promise.reject(new ClientGoneError('the client closed the connection before sending its whole body'));
  const declared = Number(req.headers['content-length']);
  if (declared > limit) return Promise.reject(tooLarge(limit));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      const text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8');
      resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    };
    const onError = (): void => {
      cleanup();
      reject(new ClientGoneError('the client closed the connection before sending its whole body'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onError);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    // 'close' before 'end': the connection dropped mid-body.
    req.on('close', onError);
  });
}

function tooLarge(limit: number): WebhookRequestError {
  return new WebhookRequestError(413, `the body is larger than ${limit / 1024} KiB`, 'body-too-large');
}
