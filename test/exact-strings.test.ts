import assert from 'node:assert/strict';
import fc from 'fast-check';
import { after, before, describe, it } from 'node:test';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { exchange, freshMsgId, postToWebhook, readReply } from './helpers/wechat.js';

describe('every field is kept as the exact string WeChat sent', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(() => app.close());

  const contents: [string, string][] = [
    ['a number with a leading zero', '0012'],
    ['an exponent', '1e5'],
    ['a boolean', 'true'],
    ['a 64-bit integer', '6349323426230210995'],
    ['leading and trailing spaces', '  spaced  '],
    ['newlines', '\nline one\nline two\n\n'],
    ['tabs', '\tindented\t'],
    ['only spaces', '   '],
    ['emoji', '😀👍🏽🇨🇳'],
    ['QQ faces', '/::D/::)/:B-)'],
    ['Chinese', '你好，世界！'],
    ['the CDATA terminator', 'a]]>b]]>]]>'],
    ['XML markup', '<xml><MsgType>text</MsgType></xml> & &amp; &lt;'],
  ];
  for (const [name, content] of contents) {
    it(`echoes a Content of ${name} exactly`, async () => {
      const reply = await exchange(
        app.url,
        `<xml><ToUserName><![CDATA[gh_a]]></ToUserName><FromUserName><![CDATA[o_u]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content.replaceAll(']]>', ']]]]><![CDATA[>')}]]></Content><MsgId>${freshMsgId()}</MsgId></xml>`,
      );
      assert.equal(reply.Content, content);
    });
  }

  it('reads plain (non-CDATA) text with XML entities decoded', async () => {
    const reply = await exchange(
      app.url,
      `<xml><ToUserName>gh_a</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content> 0012 &amp; &lt;b&gt; &#20013;&#x6587; </Content><MsgId>${freshMsgId()}</MsgId></xml>`,
    );
    assert.equal(reply.Content, ' 0012 & <b> 中文 ');
  });

  it('reads a CR LF line end as LF, as every XML parser must (XML 1.0, 2.11)', async () => {
    const reply = await exchange(
      app.url,
      `<xml><ToUserName>gh_a</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[one\r\ntwo]]></Content><MsgId>${freshMsgId()}</MsgId></xml>`,
    );
    assert.equal(reply.Content, 'one\ntwo');
  });

  it('drops control characters XML 1.0 forbids and still answers', async () => {
    const response = await postToWebhook(
      app.url,
      `<xml><ToUserName>gh_a</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[a\u0001b\u0008c\u001fd\u000be\tf]]></Content><MsgId>${freshMsgId()}</MsgId></xml>`,
    );
    assert.equal(response.status, 200);
    assert.equal(readReply(await response.text()).Content, 'abcde\tf');
  });

  it('keeps the 64-bit MsgId exact for handlers (6349323426230210995)', async () => {
    let seen: string | undefined;
    const { createReplyRouter } = await import('../src/replies/router.js');
    const router = createReplyRouter().on('text', (message) => {
      seen = message.MsgId;
      return { type: 'text', content: message.MsgId };
    });
    const custom = await startApp({}, { router });
    try {
      const reply = await exchange(
        custom.url,
        '<xml><ToUserName>gh_a</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>x</Content><MsgId>6349323426230210995</MsgId></xml>',
      );
      assert.equal(seen, '6349323426230210995');
      assert.equal(reply.Content, '6349323426230210995');
    } finally {
      await custom.close();
    }
  });

  it('echoes any string sent as text Content exactly (property)', async () => {
    // Every string XML can carry: XML 1.0 forbids some control characters (dropped), and
    // XML parsers read CR as LF, so neither is generated.
    const xmlChar = fc.oneof(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.constantFrom(']]>', ' ', '\n', '&amp;', '<![CDATA[', '0012', '/::D'),
    );
    const forbidden =
      // eslint-disable-next-line no-control-regex
      /[\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
    await fc.assert(
      fc.asyncProperty(fc.array(xmlChar, { maxLength: 5 }), async (parts) => {
        const content = parts.join('').replace(forbidden, '');
        const reply = await exchange(
          app.url,
          `<xml><ToUserName>gh_a</ToUserName><FromUserName>o_u</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content><![CDATA[${content.replaceAll(']]>', ']]]]><![CDATA[>')}]]></Content><MsgId>${freshMsgId()}</MsgId></xml>`,
        );
        // An empty text is not a valid passive reply: the fallback text goes instead.
        assert.equal(reply.Content, content === '' ? '暂不支持该类型的消息' : content);
      }),
      { numRuns: 200 },
    );
  });
});
