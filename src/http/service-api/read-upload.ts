import type { Request } from 'express';
import type { Readable } from 'node:stream';
import type BusboyFactory from 'busboy';
import { lazyRequire } from '../../core/lazy-require.js';
import { InputError } from '../../core/errors.js';

const loadBusboy = lazyRequire<typeof BusboyFactory>('busboy');

/** Room for the multipart framing and a few small fields around the file. */
const FRAMING_BYTES = 64 * 1024;

/** busboy's own messages, fixed strings that never echo the request: anything else is not shown. */
const BUSBOY_MESSAGES = new Set([
  'Malformed part header',
  'Unexpected end of form',
  'Unexpected end of file',
  'Multipart: Boundary not found',
  'Malformed content type',
]);

export interface Upload {
  readonly data: Buffer;
  readonly filename: string;
  readonly mimeType: string;
}

function malformed(error: unknown): InputError {
  const message = error instanceof Error && BUSBOY_MESSAGES.has(error.message) ? error.message : 'unreadable';
  return new InputError('body', `body: malformed multipart (${message})`);
}

/**
 * Reads the one file of a multipart/form-data request, in field `field`, as it streams
 * in. A file larger than `limit` stops the reading at once with a 413: at most `limit` + 1
 * bytes are ever held. The file is kept whole because WeChat needs it again if the
 * send is retried with a fresh token.
 *
 * Whatever the body (truncated, malformed, aborted), the promise settles once, with the
 * upload or an InputError (400, or 413): the parser and every file stream it opened are
 * destroyed on failure and each has an `error` listener, so nothing is left to throw.
 */
export function readUpload(req: Request, field: string, limit: number): Promise<Upload> {
  const tooLarge = () => new InputError(field, `${field}: larger than the limit of ${limit} bytes for this type`, 413);
  if (!req.is('multipart/form-data')) {
    return Promise.reject(new InputError('body', `body: send multipart/form-data with the file in field "${field}"`));
  }
  if (Number(req.headers['content-length']) > limit + FRAMING_BYTES) return Promise.reject(tooLarge());
  let parser: BusboyFactory.Busboy;
  try {
    // busboy reports 'limit' on reaching fileSize: one byte more tells "over the limit".
    parser = loadBusboy()({ headers: req.headers, limits: { files: 1, fileSize: limit + 1, fields: 10, fieldSize: 1024, parts: 11 } });
  } catch (error) {
    return Promise.reject(malformed(error));
  }
  return new Promise((resolve, reject) => {
    let upload: Upload | undefined;
    let done = false;
    const files: Readable[] = [];
    const settle = (): void => {
      done = true;
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      parser.off('drain', onDrain);
    };
    const fail = (error: InputError): void => {
      if (done) return;
      settle();
      // Destroying may make busboy report the cut on the parser and the file streams:
      // their 'error' listeners stay, and `done` makes them no-ops.
      for (const file of files) file.destroy();
      parser.destroy();
      // What the client still sends is read and dropped by Node once the answer is out.
      req.resume();
      reject(error);
    };

    // The body is written into busboy by hand rather than piped, so that a throw in
    // its parser lands here, not in the socket's 'data' event as an uncaught exception.
    const onData = (chunk: Buffer): void => {
      try {
        if (!parser.write(chunk)) req.pause();
      } catch (error) {
        fail(malformed(error));
      }
    };
    const onDrain = (): void => {
      if (!done) req.resume();
    };
    const onEnd = (): void => {
      try {
        parser.end();
      } catch (error) {
        fail(malformed(error));
      }
    };
    const onClose = (): void => {
      if (!req.readableEnded) fail(new InputError('body', 'body: the client went away mid-upload'));
    };

    parser.on('file', (name, stream, info) => {
      files.push(stream);
      stream.on('error', (error: Error) => fail(malformed(error)));
      if (done) {
        stream.resume();
        return;
      }
      if (name !== field) {
        stream.resume();
        // The part's own name is the request's content: not echoed.
        fail(new InputError(field, `${field}: the file must be sent in field "${field}"`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge()));
      stream.on('end', () => {
        if (!stream.truncated) upload = { data: Buffer.concat(chunks), filename: info.filename ?? '', mimeType: info.mimeType };
      });
    });
    parser.on('error', (error: Error) => fail(malformed(error)));
    parser.on('close', () => {
      if (upload === undefined || upload.data.length === 0) fail(new InputError(field, `${field}: no file in field "${field}"`));
      else if (!done) {
        settle();
        resolve(upload);
      }
    });
    parser.on('drain', onDrain);
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('close', onClose);
  });
}
