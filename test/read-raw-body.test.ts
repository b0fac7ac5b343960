import assert from 'node:assert/strict';
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { setTimeout } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { ClientGoneError, WebhookRequestError } from '../src/core/errors.js';
import { readRawBody } from '../src/http/read-raw-body.js';

/** Serves one request: `onRequest` gets it; the client sends `body` with `headers`. */
async function withOneRequest(
  onRequest: (req: IncomingMessage) => Promise<unknown>,
  body: string,
  headers: Record<string, string> = {},
): Promise<PromiseSettledResult<unknown>> {
  let settled!: (result: PromiseSettledResult<unknown>) => void;
  const outcome = new Promise<PromiseSettledResult<unknown>>((resolve) => (settled = resolve));
  const server = createServer((req, res) => {
    onRequest(req).then(
      (value) => settled({ status: 'fulfilled', value }),
      (reason: unknown) => settled({ status: 'rejected', reason }),
    );
    res.on('error', () => undefined);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = request({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', method: 'POST', headers });
  client.on('error', () => undefined);
  client.end(body);
  const result = await outcome;
  server.closeAllConnections();
  server.close();
  return result;
}

describe('readRawBody', () => {
  it('reads the body as UTF-8, whatever the Content-Type', async () => {
    const result = await withOneRequest((req) => readRawBody(req), '<xml>你好</xml>', { 'Content-Type': 'image/png' });
    assert.deepEqual(result, { status: 'fulfilled', value: '<xml>你好</xml>' });
  });

  it('refuses a declared length over the limit before reading (413)', async () => {
    const result = await withOneRequest((req) => readRawBody(req, 10), 'x'.repeat(20));
    assert.equal(result.status, 'rejected');
    assert.ok(result.status === 'rejected' && result.reason instanceof WebhookRequestError && result.reason.status === 413);
  });

  it('a request whose client is already gone is refused at once, not left waiting', async () => {
    const result = await withOneRequest(async (req) => {
      req.destroy();
      await once(req, 'close'); // gone before anyone listens: as behind an async middleware
      return Promise.race([readRawBody(req), setTimeout(2000, 'still waiting')]);
    }, '<xml/>');
    assert.equal(result.status, 'rejected');
    assert.ok(result.status === 'rejected' && result.reason instanceof ClientGoneError);
  });
});
