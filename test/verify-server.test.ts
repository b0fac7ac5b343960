import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
