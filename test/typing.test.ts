import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createReplyRouter } from '../src/replies/router.js';
import { createWeChatSide } from '../src/testing.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';
import { until } from './helpers/until.js';

const TYPING = '/cgi-bin/message/custom/typing';
const ADMIN_TOKEN = 'typing-admin-secret-8a2f';
const wechat = createWeChatSide({ token: TEST_TOKEN, account: 'gh_typing' });

/** Text `slow 300` is answered after 300 ms; any other text at once. */
const router = createReplyRouter().on('text', (message) => {
  const slow = /^slow (\d+)$/.exec(message.Content);
  if (slow === null) return { type: 'text', content: 'at once' };
  return sleep(Number(slow[1])).then(() => ({ type: 'text', content: 'after a while' }));
});

describe('typing while a handler is slow (TYPING_AFTER_MS)', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  before(async () => {
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), ADMIN_TOKEN, TYPING_AFTER_MS: '100', REPLY_TIMEOUT_MS: '1000' }, { router });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => {
    fake.calls.length = 0;
  });

  async function say(user: string, content: string): Promise<string> {
    const { query, body } = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: content }, { user }));
    const response = await fetch(`${app.url}/wechat?${query}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
    return response.text();
  }

  it('a handler slower than TYPING_AFTER_MS shows the user typing, once', async () => {
    const answer = await say('oTypingUser_0001', 'slow 400');
    assert.match(answer, /after a while/);
    // The typing call may still be on its way (the first one fetches the access token first).
    await until(() => fake.count(TYPING) > 0, 'the typing call');
    assert.deepEqual(
      fake.callsTo(TYPING).map((call) => call.body),
      [{ touser: 'oTypingUser_0001', command: 'Typing' }],
    );
  });

  it('a handler that answers sooner shows nothing', async () => {
    assert.match(await say('oTypingUser_0002', 'slow 20'), /after a while/);
    assert.match(await say('oTypingUser_0002', 'fast'), /at once/);
    await sleep(150);
    assert.equal(fake.count(TYPING), 0);
  });

  it('45080 and 45081 are ignored quietly; 48001 turns typing off for the account, logged once', async () => {
    fake.on(TYPING, { errcode: 45080, errmsg: 'has sent typing too frequently' });
    await say('oTypingUser_0003', 'slow 250');
    await until(() => fake.count(TYPING) === 1, 'the typing call');
    assert.equal(app.logs.filter((line) => String(line.msg).includes('typing')).length, 0, 'nothing logged for 45080');

    fake.on(TYPING, { errcode: 48001, errmsg: 'api unauthorized' });
    await say('oTypingUser_0004', 'slow 250');
    await until(() => app.logs.some((line) => String(line.msg).includes('typing is off')), 'the 48001 line');
    await say('oTypingUser_0005', 'slow 250');
    await say('oTypingUser_0006', 'slow 250');
    assert.equal(fake.count(TYPING), 2, 'no typing after 48001');
    assert.equal(app.logs.filter((line) => String(line.msg).includes('typing is off')).length, 1);
  });
});

describe('the responder’s own customer-service sends count against the window', () => {
  it('a reply past the deadline, sent as a customer-service message, is counted', async () => {
    const fake = await new FakeWeChat().start();
    const app = await startApp({ ...fake.env(), ADMIN_TOKEN, TYPING_AFTER_MS: '0', REPLY_TIMEOUT_MS: '100' }, { router });
    try {
      const { query, body } = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: 'slow 300' }, { user: 'oLateUser_0001' }));
      const response = await fetch(`${app.url}/wechat?${query}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
      assert.equal(await response.text(), 'success');
      await until(() => fake.count('/cgi-bin/message/custom/send') === 1, 'the late reply');
      const reach = async () =>
        (await (
          await fetch(`${app.url}/api/users/oLateUser_0001/reach`, { headers: { Authorization: `Bearer ${ADMIN_TOKEN}` } })
        ).json()) as Record<string, unknown>;
      await until(async () => (await reach()).custom_sent_in_window === 1, 'the send counted');
      assert.equal((await reach()).sends_left, 4);
      assert.equal(fake.count(TYPING), 0, 'TYPING_AFTER_MS=0: never');
    } finally {
      await app.close();
      await fake.stop();
    }
  });
});
