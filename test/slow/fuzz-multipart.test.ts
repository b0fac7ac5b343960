import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express, { type Request, type Response } from 'express';
import fc from 'fast-check';
import { InputError } from '../../src/core/errors.js';
import { readUpload } from '../../src/http/service-api/read-upload.js';

/** Small, so that some of the generated files are over it (413). */
const LIMIT = 48;
/** A case that has not settled by then is a hang. */
const CASE_TIMEOUT_MS = 2_000;
const RUNS = 4_000;

type Outcome = { readonly status: 'fulfilled' } | { readonly status: 'rejected'; readonly reason: unknown };

/** One generated request. */
interface Case {
  readonly contentType: string;
  readonly body: Buffer;
  /** Sent whole with its Content-Length, or cut: the client announces more, then hangs up. */
  readonly aborted: boolean;
}

// RFC 2046 allows the last ones only in a quoted boundary: now and then they are not quoted.
const boundaryChars = fc.oneof(
  { arbitrary: fc.constantFrom(...'abcXYZ019-_+.'.split('')), weight: 20 },
  { arbitrary: fc.constantFrom(..."'()/:?= ".split('')), weight: 1 },
);
const boundary = fc.string({ unit: boundaryChars, minLength: 1, maxLength: 12 });
const smallBytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes));
const text = fc.string({ maxLength: 12 });

const disposition = fc.record(
  {
    type: fc.constantFrom('form-data', 'attachment', 'form-data ', ''),
    name: fc.constantFrom('media', 'other', '', '"media"', 'me"dia'),
    filename: fc.oneof(fc.constant(undefined), text, fc.constant('a.png')),
    starred: fc.boolean(),
  },
  { requiredKeys: ['type', 'name', 'starred'] },
);

/** `usual` three times in five, else `other`: enough well-formed bodies that uploads and 413s come up too. */
const mostly = <T>(usual: T, other: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: fc.constant(usual), weight: 3 }, { arbitrary: other, weight: 2 });

const part = fc.record({
  disposition: mostly({ type: 'form-data', name: 'media', filename: 'a.png', starred: false }, fc.option(disposition, { nil: undefined })),
  contentType: fc.option(fc.constantFrom('image/png', 'application/octet-stream', 'text/plain; charset=utf-16', ';;', ''), {
    nil: undefined,
  }),
  extraHeader: mostly(undefined, text),
  content: fc.oneof(smallBytes(80), fc.constantFrom(Buffer.from('\r\n--'), Buffer.from('--\r\n'))),
});

type PartShape = typeof part extends fc.Arbitrary<infer T> ? T : never;

function renderPart(given: PartShape): Buffer {
  const headers: string[] = [];
  if (given.disposition !== undefined) {
    const { type, name, filename, starred } = given.disposition;
    let line = `Content-Disposition: ${type}; name=${name}`;
    if (filename !== undefined) line += starred ? `; filename*=utf-8''${encodeURIComponent(filename)}` : `; filename="${filename}"`;
    headers.push(line);
  }
  if (given.contentType !== undefined) headers.push(`Content-Type: ${given.contentType}`);
  if (given.extraHeader !== undefined) headers.push(given.extraHeader);
  return Buffer.concat([Buffer.from(`${headers.join('\r\n')}\r\n\r\n`), given.content]);
}

/** A structured body (parts between boundaries), then maybe cut short and with bytes overwritten. */
const structured = fc
  .record({
    boundary,
    preamble: smallBytes(8),
    parts: fc.array(part, { minLength: 1, maxLength: 3 }),
    closed: mostly(true, fc.boolean()),
    epilogue: smallBytes(8),
    cut: mostly(undefined, fc.nat()),
    damage: mostly([], fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 })),
    quoted: fc.boolean(),
  })
  .map(({ boundary: b, preamble, parts, closed, epilogue, cut, damage, quoted }) => {
    const pieces: Buffer[] = [preamble];
    for (const each of parts) pieces.push(Buffer.from(`\r\n--${b}\r\n`), renderPart(each));
    if (closed) pieces.push(Buffer.from(`\r\n--${b}--\r\n`), epilogue);
    let body = Buffer.concat(pieces);
    if (body.length > 0) for (const [at, byte] of damage) body[at % body.length] = byte;
    if (cut !== undefined) body = body.subarray(0, cut % (body.length + 1));
    return { contentType: `multipart/form-data; boundary=${quoted ? `"${b}"` : b}`, body };
  });

/** Bytes with no structure at all, under a Content-Type that may not even name a boundary. */
const shapeless = fc.record({
  contentType: fc.oneof(
    boundary.map((b) => `multipart/form-data; boundary=${b}`),
    fc.constantFrom('multipart/form-data', 'multipart/form-data; boundary=', 'multipart/form-data; boundary="unclosed'),
  ),
  body: smallBytes(200),
});

const cases: fc.Arbitrary<Case> = fc
  .tuple(fc.oneof({ arbitrary: structured, weight: 4 }, { arbitrary: shapeless, weight: 1 }), fc.integer({ min: 0, max: 9 }))
  .map(([{ contentType, body }, roll]) => ({ contentType, body, aborted: roll === 0 }));

describe('readUpload under fuzzing: every body settles, with the upload or a 4xx InputError', () => {
  const outcomes = new Map<string, (outcome: Outcome) => void>();
  const uncaught: unknown[] = [];
  const onUncaught = (error: unknown) => uncaught.push(error);
  let server: Server;
  let port: number;

  before(async () => {
    process.on('uncaughtExceptionMonitor', onUncaught);
    const app = express();
    app.post('/upload', (req: Request, res: Response) => {
      const report = outcomes.get(String(req.headers['x-case']));
      readUpload(req, 'media', LIMIT).then(
        () => {
          report?.({ status: 'fulfilled' });
          res.status(204).end();
        },
        (reason: unknown) => {
          report?.({ status: 'rejected', reason });
          res.status(reason instanceof InputError ? reason.status : 500).end();
        },
      );
    });
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    process.off('uncaughtExceptionMonitor', onUncaught);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Sends the case and waits, at most CASE_TIMEOUT_MS, for readUpload to settle on the server. */
  async function outcomeOf(id: string, given: Case): Promise<Outcome> {
    const settled = new Promise<Outcome>((resolve) => outcomes.set(id, resolve));
    const headers = { 'Content-Type': given.contentType, 'X-Case': id };
    if (given.aborted) {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      const head = Object.entries({ ...headers, 'Content-Length': given.body.length + 100 })
        .map(([name, value]) => `${name}: ${value}\r\n`)
        .join('');
      socket.end(Buffer.concat([Buffer.from(`POST /upload HTTP/1.1\r\nHost: fuzz\r\n${head}\r\n`), given.body]));
      socket.on('end', () => socket.destroy());
    } else {
      const client = request({ port, host: '127.0.0.1', method: 'POST', path: '/upload', headers });
      client.on('error', () => undefined);
      client.on('response', (response) => response.resume());
      client.end(given.body);
    }
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`case ${id} did not settle within ${CASE_TIMEOUT_MS} ms`)), CASE_TIMEOUT_MS);
    });
    try {
      return await Promise.race([settled, hung]);
    } finally {
      clearTimeout(timer);
      outcomes.delete(id);
    }
  }

  // Every run, not as many as fit in a time budget: a hang fails its case (CASE_TIMEOUT_MS) or the test's timeout.
  it(`${RUNS} random, cut and damaged bodies (fixed seed)`, { timeout: 60_000 }, async () => {
    let next = 0;
    let runs = 0;
    const seen = { fulfilled: 0, 400: 0, 413: 0 };
    await fc.assert(
      fc.asyncProperty(cases, async (given) => {
        runs += 1;
        const outcome = await outcomeOf(String(next++), given);
        assert.deepEqual(uncaught, [], 'an uncaught exception');
        if (outcome.status === 'fulfilled') {
          seen.fulfilled += 1;
          return;
        }
        assert.ok(outcome.reason instanceof InputError, `not an InputError: ${String(outcome.reason)}`);
        assert.ok(outcome.reason.status === 400 || outcome.reason.status === 413);
        seen[outcome.reason.status] += 1;
      }),
      { seed: 27, numRuns: RUNS, endOnFailure: true },
    );
    assert.equal(runs, RUNS);
    // The generator reaches every outcome, or the test proves less than it says.
    assert.ok(seen.fulfilled > 0 && seen[400] > 0 && seen[413] > 0, JSON.stringify(seen));
  });
});
