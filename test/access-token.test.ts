import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { AccessToken } from '../src/wechat-api/access-token.js';
import { createApiClient } from '../src/wechat-api/client.js';
import { createApiTransport } from '../src/wechat-api/transport.js';
import { WeChatApiError } from '../src/core/errors.js';
import { FakeWeChat } from './helpers/fake-wechat.js';

describe('AccessToken against the fake WeChat', () => {
  let fake: FakeWeChat;
  before(async () => {
    fake = await new FakeWeChat().start();
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.calls.length = 0;
    fake.revokeTokens();
  });

  function token(mode: 'stable' | 'token', now?: () => number) {
    const transport = createApiTransport(fake.url);
    const accessToken = new AccessToken({ transport, appId: fake.appId, appSecret: fake.appSecret, mode, now });
    return { accessToken, client: createApiClient(transport, accessToken) };
  }

  it('stable mode: POST /cgi-bin/stable_token with force_refresh false as a JSON boolean', async () => {
    const { accessToken } = token('stable');
    assert.match(await accessToken.get(), /^ACCESS_TOKEN_/);
    const [call] = fake.callsTo('/cgi-bin/stable_token');
    assert.equal(call?.method, 'POST');
    assert.deepEqual(call?.body, { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret, force_refresh: false });
  });

  it('token mode: GET /cgi-bin/token with the client_credential query', async () => {
    const { accessToken } = token('token');
    await accessToken.get();
    const [call] = fake.callsTo('/cgi-bin/token');
    assert.equal(call?.method, 'GET');
    assert.deepEqual(call?.query, { grant_type: 'client_credential', appid: fake.appId, secret: fake.appSecret });
  });

  it('20 sequential callers make one fetch', async () => {
    const { accessToken } = token('stable');
    const tokens = new Set<string>();
    for (let i = 0; i < 20; i++) tokens.add(await accessToken.get());
    assert.equal(tokens.size, 1);
    assert.equal(fake.tokenFetches(), 1);
  });

  it('a thousand concurrent callers on a cold cache make one fetch', async () => {
    const { accessToken } = token('token');
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => accessToken.get()));
    assert.equal(new Set(tokens).size, 1);
    assert.equal(fake.tokenFetches(), 1);
  });

  it('refreshes ahead of time: reused until 5 minutes before expiry, then fetched again', async () => {
    let now = Date.now();
    const { accessToken } = token('token', () => now);
    const first = await accessToken.get();
    now += (7200 - 5 * 60 - 1) * 1000; // one second before the margin
    assert.equal(await accessToken.get(), first);
    assert.equal(fake.tokenFetches(), 1);
    now += 2000; // one second into the margin
    const second = await accessToken.get();
    assert.notEqual(second, first);
    assert.equal(fake.tokenFetches(), 2);
  });

  it('drops a refused token only if it is still the stored one', async () => {
    const { accessToken } = token('token');
    const first = await accessToken.get();
    await accessToken.invalidate(first);
    const second = await accessToken.get();
    assert.notEqual(second, first);
    await accessToken.invalidate(first); // a late caller reports the old token
    assert.equal(await accessToken.get(), second);
    assert.equal(fake.tokenFetches(), 2);
  });

  it('errcode 40001 once → one refresh, one retry, success (token mode)', async () => {
    const { client } = token('token');
    await client.call({ method: 'POST', path: '/cgi-bin/message/custom/send', body: { touser: 'o' } });
    fake.revokeTokens(); // another system fetched a token: ours is refused
    const answer = await client.call({ method: 'POST', path: '/cgi-bin/message/custom/send', body: { touser: 'o' } });
    assert.equal(answer.errcode, 0);
    assert.equal(fake.tokenFetches(), 2);
    assert.equal(fake.count('/cgi-bin/message/custom/send'), 3);
  });

  it('stable mode: when WeChat hands back the refused token, forces a refresh once per 30 s', async () => {
    let now = Date.now();
    const { client } = token('stable', () => now);
    const send = () => client.call({ method: 'POST', path: '/cgi-bin/message/custom/send', body: {} });
    await send();
    fake.on('/cgi-bin/message/custom/send', { errcode: 40001 });
    assert.equal((await send()).errcode, 0);
    const forces = fake.callsTo('/cgi-bin/stable_token').map((call) => (call.body as { force_refresh: boolean }).force_refresh);
    assert.deepEqual(forces, [false, false, true]);

    // Refused again within 30 s: no second force, the call fails with WeChat's errcode at once.
    fake.on('/cgi-bin/message/custom/send', { errcode: 40001, times: 1 });
    now += 10_000;
    await assert.rejects(send(), (error) => error instanceof WeChatApiError && error.errcode === 40001);
    assert.equal(fake.callsTo('/cgi-bin/stable_token').length, 4);

    // After 30 s it may force again: the next call replaces the refused token first.
    now += 30_000;
    assert.equal((await send()).errcode, 0);
    const later = fake
      .callsTo('/cgi-bin/stable_token')
      .slice(4)
      .map((call) => (call.body as { force_refresh: boolean }).force_refresh);
    assert.deepEqual(later, [false, true]);
  });

  it('a wrong AppSecret fails with WeChat’s errcode, without retrying', async () => {
    const transport = createApiTransport(fake.url);
    const accessToken = new AccessToken({ transport, appId: fake.appId, appSecret: 'wrong', mode: 'stable' });
    await assert.rejects(accessToken.get(), (error) => error instanceof WeChatApiError && error.errcode === 40125);
    assert.equal(fake.tokenFetches(), 1);
  });

  it('errcodes other than token-invalid are not retried', async () => {
    const { client } = token('token');
    fake.on('/cgi-bin/message/custom/send', { errcode: 45015, errmsg: 'response out of time limit' });
    await assert.rejects(
      client.call({ method: 'POST', path: '/cgi-bin/message/custom/send', body: {} }),
      (error) => error instanceof WeChatApiError && error.errcode === 45015 && error.errmsg === 'response out of time limit',
    );
    assert.equal(fake.count('/cgi-bin/message/custom/send'), 1);
  });
});
