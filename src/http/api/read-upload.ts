import type { Request } from 'express';
import type BusboyFactory from 'busboy';
import { lazyRequire } from '../../lazy-require.js';
import { InputError } from '../../errors.js';

const loadBusboy = lazyRequire<typeof BusboyFactory>('busboy');

/** Room for the multipart framing and a few small fields around the file. */
const FRAMING_BYTES = 64 * 1024;

export interface Upload {
  readonly data: Buffer;
  readonly filename: string;
  readonly mimeType: string;
}

/**
 * Reads the one file of a multipart/form-data request, in field `field`, as it streams
 * in. A file larger than `limit` stops the reading at once with a 413: at most `limit` + 1
 * bytes are ever held. The file is kept whole because WeChat needs it again if the
 * send is retried with a fresh token.
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
    return Promise.reject(new InputError('body', `body: ${(error as Error).message}`));
  }
  return new Promise((resolve, reject) => {
    let upload: Upload | undefined;
    let done = false;
    const fail = (error: InputError): void => {
      if (done) return;
      done = true;
      req.unpipe(parser);
      reject(error);
    };
    parser.on('file', (name, stream, info) => {
      if (name !== field) {
        stream.resume();
        fail(new InputError(field, `${field}: the file must be sent in field "${field}", not "${name}"`));
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('limit', () => fail(tooLarge()));
      stream.on('end', () => {
        if (!stream.truncated) upload = { data: Buffer.concat(chunks), filename: info.filename ?? '', mimeType: info.mimeType };
      });
    });
    parser.on('error', (error: Error) => fail(new InputError('body', `body: malformed multipart (${error.message})`)));
    parser.on('close', () => {
      if (upload === undefined || upload.data.length === 0) fail(new InputError(field, `${field}: no file in field "${field}"`));
      else if (!done) {
        done = true;
        resolve(upload);
      }
    });
    req.on('close', () => {
      if (!req.readableEnded) fail(new InputError('body', 'body: the client went away mid-upload'));
    });
    req.pipe(parser);
  });
}
