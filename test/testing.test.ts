import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createWeChatSide, RejectedResponseError } from '../src/testing.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';
import { readReply } from './helpers/wechat.js';
import { sha1Signature, WeChatCrypto } from './helpers/wechat-crypto.js';

// The package's `./testing` entry against the server, and against the tests' own
// implementation of WeChat's side (helpers/wechat-crypto.ts), written apart from src/.

const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const APPID = 'wx_testing_entry_01';
const TOKEN = 'testing-entry-token';

async function post(url: string, request: { query: string; body: string }) {
  const response = await fetch(`${url}/wechat?${request.query}`, { method: 'POST', body: request.body });
  return { status: response.status, body: await response.text() };
}

describe('wechat-oa-server/testing: WeChat’s side of the webhook', () => {
  describe('in plaintext', () => {
    let app: RunningApp;
    before(async () => {
      app = await startApp();
    });
    after(() => app.close());
    const wechat = createWeChatSide({ token: TEST_TOKEN });

    it('a message it builds and signs is answered, and checkReply returns the reply', async () => {
      const response = await post(app.url, wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: '你好 ]]> 0012' })));
      const { reply } = wechat.checkReply(response.status, response.body);
      assert.equal(reply?.Content, '你好 ]]> 0012');
      assert.equal(reply?.ToUserName, 'o_test_user_openid');
      assert.equal(reply?.FromUserName, 'gh_test_account');
    });

    it('another user: the message comes from them, and the reply must go to them', async () => {
      const xml = wechat.messageXml({ MsgType: 'text', Content: 'hi' }, { user: 'o_bob' });
      const response = await post(app.url, wechat.signRequest(xml, { user: 'o_bob' }));
      assert.equal(wechat.checkReply(response.status, response.body, { user: 'o_bob' }).reply?.ToUserName, 'o_bob');
      assert.throws(() => wechat.checkReply(response.status, response.body), /parties are not swapped/);
    });

    it('verificationQuery: the server answers echostr', async () => {
      const response = await fetch(`${app.url}/wechat?${wechat.verificationQuery('5838479218127813673')}`);
      assert.equal(response.status, 200);
      assert.equal(await response.text(), '5838479218127813673');
    });

    it('a request signed with another token is refused by the server', async () => {
      const other = createWeChatSide({ token: 'not-the-token' });
      const response = await post(app.url, other.signRequest(other.messageXml({ MsgType: 'text', Content: 'x' })));
      assert.equal(response.status, 403);
      assert.throws(() => other.checkReply(response.status, response.body), RejectedResponseError);
    });
  });

  describe('in safe mode', () => {
    let app: RunningApp;
    before(async () => {
      app = await startApp({ WECHAT_TOKEN: TOKEN, WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID });
    });
    after(() => app.close());
    const wechat = createWeChatSide({ token: TOKEN, encodingAesKey: AES_KEY, appId: APPID });
    const oracle = new WeChatCrypto(AES_KEY, TOKEN, APPID);

    it('the request is WeChat’s, as the independent implementation reads it: signatures, envelope, XML and AppID', () => {
      const xml = wechat.messageXml({ MsgType: 'text', Content: '加密' });
      const { query, body } = wechat.signRequest(xml, { nonce: '1234567890' });
      const params = new URLSearchParams(query);
      const timestamp = params.get('timestamp') ?? '';
      const encrypted =
        /^<xml><ToUserName><!\[CDATA\[gh_test_account\]\]><\/ToUserName><Encrypt><!\[CDATA\[([A-Za-z0-9+/=]+)\]\]><\/Encrypt><\/xml>$/.exec(
          body,
        )?.[1];
      assert.ok(encrypted, body);
      assert.equal(params.get('nonce'), '1234567890');
      assert.equal(params.get('encrypt_type'), 'aes');
      assert.equal(params.get('openid'), 'o_test_user_openid');
      assert.equal(params.get('signature'), sha1Signature(TOKEN, timestamp, '1234567890'));
      assert.equal(params.get('msg_signature'), sha1Signature(TOKEN, timestamp, '1234567890', encrypted));
      assert.deepEqual(oracle.decrypt(encrypted), { xml, appId: APPID });
    });

    it('compatible mode: the fields in clear beside Encrypt', () => {
      const xml = wechat.messageXml({ MsgType: 'text', Content: '兼容' });
      const { body } = wechat.signRequest(xml, { compatible: true });
      assert.equal(readReply(body).Content, '兼容');
      assert.equal(oracle.decrypt(String(readReply(body).Encrypt)).xml, xml);
    });

    for (const compatible of [false, true]) {
      it(`the server answers it${compatible ? ' in compatible mode' : ''}, and checkReply opens the reply as the independent implementation does`, async () => {
        const response = await post(app.url, wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: '安全' }), { compatible }));
        const checked = wechat.checkReply(response.status, response.body);
        assert.equal(checked.reply?.Content, '安全');
        assert.equal(checked.xml, oracle.openReply(response.body));
      });
    }

    /** A reply sealed by the independent implementation, for `appId`, with `signature` in place of the right one. */
    function sealed(xml: string, options: { appId?: string; signature?: string } = {}): string {
      const encrypted = oracle.encrypt(xml, { appId: options.appId });
      const signature = options.signature ?? sha1Signature(TOKEN, '1700000000', '42', encrypted);
      return `<xml><Encrypt><![CDATA[${encrypted}]]></Encrypt><MsgSignature>${signature}</MsgSignature><TimeStamp>1700000000</TimeStamp><Nonce>42</Nonce></xml>`;
    }
    const good =
      '<xml><ToUserName>o_test_user_openid</ToUserName><FromUserName>gh_test_account</FromUserName><MsgType>text</MsgType><Content>ok</Content></xml>';

    it('checkReply accepts a well-sealed reply, success and an empty body', () => {
      assert.equal(wechat.checkReply(200, sealed(good)).reply?.Content, 'ok');
      assert.deepEqual(wechat.checkReply(200, 'success'), { reply: undefined, xml: 'success' });
      assert.deepEqual(wechat.checkReply(200, ''), { reply: undefined, xml: '' });
    });

    const refused: [string, number, string, RegExp][] = [
      ['a status other than 200', 500, 'internal error', /HTTP 500/],
      ['a body that is not XML', 200, 'ok', /not well-formed XML/],
      ['a reply in clear', 200, good, /not an encrypted reply/],
      ['a wrong MsgSignature', 200, sealed(good, { signature: sha1Signature('another-token') }), /MsgSignature does not verify/],
      ['a reply encrypted for another AppID', 200, sealed(good, { appId: 'wx_someone_else' }), /AppID "wx_someone_else"/],
      ['the parties not swapped', 200, sealed(good.replace('o_test_user_openid', 'o_someone')), /parties are not swapped/],
      ['no MsgType', 200, sealed(good.replace('<MsgType>text</MsgType>', '')), /no MsgType/],
    ];
    for (const [name, status, body, reason] of refused) {
      it(`checkReply refuses ${name}, with the reason`, () => {
        assert.throws(
          () => wechat.checkReply(status, body),
          (error: unknown) => error instanceof RejectedResponseError && reason.test(error.message),
        );
      });
    }
  });

  describe('messages and the clock', () => {
    const wechat = createWeChatSide({ token: 't', now: () => 1_700_000_000_500 });

    it('CreateTime is the clock’s second, and never the same twice: two events are not a delivery and its retry', () => {
      const first = readReply(wechat.messageXml({ MsgType: 'event', Event: 'subscribe' }));
      const second = readReply(wechat.messageXml({ MsgType: 'event', Event: 'subscribe' }));
      assert.equal(first.CreateTime, '1700000000');
      assert.equal(second.CreateTime, '1700000001');
      assert.equal(first.MsgId, undefined, 'an event has no MsgId');
    });

    it('a message gets a fresh 64-bit MsgId unless it has one; given fields win over the defaults', () => {
      const [a, b] = [1, 2].map(() => readReply(wechat.messageXml({ MsgType: 'text', Content: 'x' })));
      assert.match(String(a?.MsgId), /^[0-9]{1,19}$/);
      assert.notEqual(a?.MsgId, b?.MsgId);
      const given = readReply(wechat.messageXml({ MsgType: 'text', Content: 'x', MsgId: '42', ToUserName: 'gh_other', CreateTime: 7 }));
      assert.deepEqual([given.MsgId, given.ToUserName, given.CreateTime], ['42', 'gh_other', '7']);
    });

    it('the requests’ timestamps come from the clock', () => {
      assert.equal(new URLSearchParams(wechat.signRequest('<xml/>').query).get('timestamp'), '1700000000');
      assert.equal(new URLSearchParams(wechat.verificationQuery('e')).get('timestamp'), '1700000000');
    });
  });

  it('a caller’s mistake throws a TypeError at once: no token, a key without its AppID, a key of the wrong length', () => {
    assert.throws(() => createWeChatSide({ token: '' }), TypeError);
    assert.throws(() => createWeChatSide({ token: 't', encodingAesKey: AES_KEY }), /needs the appId/);
    assert.throws(() => createWeChatSide({ token: 't', encodingAesKey: 'short', appId: APPID }), TypeError);
  });
});
