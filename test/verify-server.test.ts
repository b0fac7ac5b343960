import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readQuery } from '../src/http/read-query.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';
import { sha1Signature } from './helpers/wechat.js';

describe('GET /wechat: server verification', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(() => app.close());

  const get = (params: Record<string, string>) => fetch(`${app.url}/wechat?${new URLSearchParams(params)}`);

  it('echoes echostr as text/plain when the signature is valid', async () => {
    const response = await get({
      signature: sha1Signature(TEST_TOKEN, '1409304348', 'xxxxxx'),
      timestamp: '1409304348',
      nonce: 'xxxxxx',
      echostr: '5838479218127813673',
    });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await response.text(), '5838479218127813673');
  });

  it('accepts a signature computed with WeChat’s published example values, whatever their age', async () => {
    // The timestamp dates from 2014: verification does not judge age.
    const response = await get({
      signature: sha1Signature(TEST_TOKEN, '1388888888', 'nonce-from-2014'),
      timestamp: '1388888888',
      nonce: 'nonce-from-2014',
      echostr: 'echo with spaces & <tags>',
    });
    assert.equal(await response.text(), 'echo with spaces & <tags>');
  });

  for (const missing of ['signature', 'timestamp', 'nonce', 'echostr']) {
    it(`answers 400 when ${missing} is missing`, async () => {
      const params: Record<string, string> = {
        signature: sha1Signature(TEST_TOKEN, '1', '2'),
        timestamp: '1',
        nonce: '2',
        echostr: 'e',
      };
      delete params[missing];
      assert.equal((await get(params)).status, 400);
    });
  }

  it('answers 400 with no query at all', async () => {
    assert.equal((await fetch(`${app.url}/wechat`)).status, 400);
  });

  it('answers 403 when the signature is wrong', async () => {
    const response = await get({
      signature: sha1Signature('another-token', '1', '2'),
      timestamp: '1',
      nonce: '2',
      echostr: 'e',
    });
    assert.equal(response.status, 403);
    assert.notEqual(await response.text(), 'e');
  });

  it('answers 403 when the signature has the wrong length', async () => {
    assert.equal((await get({ signature: 'abc', timestamp: '1', nonce: '2', echostr: 'e' })).status, 403);
  });

  it('answers 400 when a parameter is repeated', async () => {
    const signature = sha1Signature(TEST_TOKEN, '1', '2');
    const response = await fetch(`${app.url}/wechat?signature=${signature}&signature=${signature}&timestamp=1&nonce=2&echostr=e`);
    assert.equal(response.status, 400);
  });
});

describe('reading the query', () => {
  /**
   * The oracle, straight from the URL Standard's urlencoded parser: split at `&`, skip
   * empty pairs, split at the first `=`, `+` to space, percent-decode the UTF-8 bytes,
   * read them as UTF-8 with replacement. (Node's URLSearchParams differs only where a
   * stray `%` meets a non-ASCII character, which it mangles.) Then keep the
   * parameters given once and not empty.
   */
  function byUrlStandard(url: string): Map<string, string> {
    const mark = url.indexOf('?');
    const pairs: [string, string][] = [];
    const decode = (text: string) => {
      const bytes = new TextEncoder().encode(text.replaceAll('+', ' '));
      const out: number[] = [];
      for (let i = 0; i < bytes.length; i++) {
        const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
        if (bytes[i] === 0x25 && /^[0-9a-fA-F]{2}$/.test(hex)) {
          out.push(Number.parseInt(hex, 16));
          i += 2;
        } else out.push(bytes[i] as number);
      }
      return new TextDecoder().decode(new Uint8Array(out));
    };
    if (mark !== -1) {
      for (const pair of url.slice(mark + 1).split('&')) {
        if (pair === '') continue;
        const equals = pair.indexOf('=');
        pairs.push(equals === -1 ? [decode(pair), ''] : [decode(pair.slice(0, equals)), decode(pair.slice(equals + 1))]);
      }
    }
    const query = new Map<string, string>();
    for (const [name, value] of pairs) {
      if (value !== '' && pairs.filter(([other]) => other === name).length === 1) query.set(name, value);
    }
    return query;
  }

  it('reads a query as the URL Standard does: escapes, pluses, repeats, empty and odd pairs (property)', async () => {
    const fc = (await import('fast-check')).default;
    const piece = fc.constantFrom(
      'a',
      'b',
      'nonce',
      '=',
      '&',
      '&&',
      '+',
      '%20',
      '%E4%B8%AD',
      '%e4%b8',
      '%zz',
      '%',
      '中',
      '?',
      '#',
      '__proto__',
      'constructor',
    );
    const url = fc.array(piece, { maxLength: 20 }).map((pieces) => `/wechat?${pieces.join('')}`);
    fc.assert(
      fc.property(
        fc.oneof(
          url,
          fc.string().map((text) => `/wechat?${text}`),
          fc.constant('/wechat'),
        ),
        (target) => {
          assert.deepEqual(readQuery(target), byUrlStandard(target), target);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('keeps WeChat’s parameters exact, and reads stray escapes as the URL Standard does', () => {
    const query = readQuery(
      '/wechat?signature=0f3b&timestamp=1700000000&nonce=42&openid=o_ab-C&encrypt_type=aes&x=%aa%E4%B8%AD&y=%e4%b8%&z=a+b%2B',
    );
    assert.deepEqual(Object.fromEntries(query), {
      signature: '0f3b',
      timestamp: '1700000000',
      nonce: '42',
      openid: 'o_ab-C',
      encrypt_type: 'aes',
      x: '\ufffd中',
      y: '\ufffd%',
      z: 'a b+',
    });
    assert.deepEqual(Object.fromEntries(readQuery('/wechat?nonce=1&nonce=1&echostr=&a')), {});
  });
});
