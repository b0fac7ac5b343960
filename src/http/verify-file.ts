import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { NextFunction, Request, Response } from 'express';

/** The name WeChat gives a domain's verification file: `MP_verify_` and a code of letters and digits. */
const VERIFY_FILE = /^\/MP_verify_[A-Za-z0-9]{1,64}\.txt$/;

/** Far above a real one (its code, 16 characters): a bound on what is served. */
const MAX_BYTES = 4096;

/**
 * `GET /MP_verify_<code>.txt`: the file WeChat asks a domain to host before it accepts
 * it for OAuth or the JS-SDK, served from `dir` (VERIFY_FILES_DIR). Only that shape of
 * name is served, so no other file of the directory (nor outside it) can be reached.
 */
export function verifyFileRoute(dir: string) {
  const root = resolve(dir);
  return async function verifyFile(req: Request, res: Response, next: NextFunction): Promise<void> {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || !VERIFY_FILE.test(req.path)) {
      next();
      return;
    }
    let content: Buffer;
    try {
      content = await readFile(join(root, req.path.slice(1)));
    } catch {
      next();
      return;
    }
    if (content.length > MAX_BYTES) {
      next();
      return;
    }
    res.set('Cache-Control', 'no-cache').type('text/plain').send(content);
  };
}
