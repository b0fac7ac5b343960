import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { startApp, type RunningApp } from './helpers/start-app.js';
import { eventXml, exchange, freshMsgId, messageXml, postToWebhook, textXml } from './helpers/wechat.js';

describe('the default reply rules', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(() => app.close());

  async function replyTo(xml: string) {
    const before = Math.floor(Date.now() / 1000);
    const reply = await exchange(app.url, xml);
    const after = Math.floor(Date.now() / 1000);
    // Every reply swaps the parties and is stamped now.
    assert.equal(reply.ToUserName, 'o_user_openid');
    assert.equal(reply.FromUserName, 'gh_account');
    const created = Number(reply.CreateTime);
    assert.ok(created >= before && created <= after, `CreateTime ${String(reply.CreateTime)}`);
    return reply;
  }
  async function successFor(xml: string) {
    const response = await postToWebhook(app.url, xml);
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'success');
  }

  it('text → the Content, exactly as received', async () => {
    const reply = await replyTo(textXml(' 你好 /::D '));
    assert.equal(reply.MsgType, 'text');
    assert.equal(reply.Content, ' 你好 /::D ');
  });

  it('voice → the Recognition field', async () => {
    const reply = await replyTo(messageXml('voice', { MediaId: 'm', Format: 'amr', Recognition: '腾讯微信团队', MsgId: '1' }));
    assert.equal(reply.MsgType, 'text');
    assert.equal(reply.Content, '腾讯微信团队');
  });

  it('voice without Recognition → 未识别', async () => {
    assert.equal((await replyTo(messageXml('voice', { MediaId: 'm', Format: 'amr', MsgId: '2' }))).Content, '未识别');
  });

  it('voice with an empty Recognition → 未识别', async () => {
    assert.equal((await replyTo(messageXml('voice', { MediaId: 'm', Format: 'amr', Recognition: '', MsgId: '3' }))).Content, '未识别');
  });

  it('image → an image reply with the same MediaId', async () => {
    const reply = await replyTo(messageXml('image', { PicUrl: 'http://x/y.jpg', MediaId: 'media_id_123', MsgId: '4' }));
    assert.equal(reply.MsgType, 'image');
    assert.deepEqual(reply.Image, { MediaId: 'media_id_123' });
  });

  it('image without MediaId (the 2013 shape) → the fallback text, never an image reply with an empty MediaId', async () => {
    const xml = `<xml><ToUserName><![CDATA[gh_account]]></ToUserName><FromUserName><![CDATA[o_user_openid]]></FromUserName><CreateTime>1357290913</CreateTime><MsgType><![CDATA[image]]></MsgType><PicUrl><![CDATA[http://mmsns.qpic.cn/x/0]]></PicUrl><MsgId>${freshMsgId()}</MsgId></xml>`;
    const reply = await replyTo(xml);
    assert.equal(reply.MsgType, 'text');
    assert.equal(reply.Content, '暂不支持该类型的消息');
    assert.equal(reply.Image, undefined);
    assert.ok(app.logs.some((line) => line.level === 40 && line.reply === 'image' && line.field === 'mediaId'));
  });

  it('subscribe without EventKey → 感谢您的关注!', async () => {
    assert.equal((await replyTo(eventXml('subscribe'))).Content, '感谢您的关注!');
  });

  it('subscribe with an empty EventKey → 感谢您的关注!', async () => {
    assert.equal((await replyTo(eventXml('subscribe', { EventKey: '' }))).Content, '感谢您的关注!');
  });

  it('subscribe with EventKey qrscene_X → the scene', async () => {
    const reply = await replyTo(eventXml('subscribe', { EventKey: 'qrscene_123123', Ticket: 'TICKET' }));
    assert.equal(reply.Content, '感谢您的关注!场景值:123123');
  });

  it('SCAN with EventKey X → 您扫描的场景值为:X', async () => {
    const reply = await replyTo(eventXml('SCAN', { EventKey: 'promo_2024', Ticket: 'TICKET' }));
    assert.equal(reply.Content, '您扫描的场景值为:promo_2024');
  });

  it('unsubscribe → success', async () => {
    await successFor(eventXml('unsubscribe'));
  });

  for (const event of ['CLICK', 'VIEW', 'LOCATION', 'TEMPLATESENDJOBFINISH', 'scancode_push', 'some_future_event']) {
    it(`event ${event} → success`, async () => {
      await successFor(eventXml(event, { EventKey: 'k' }));
    });
  }

  // The events of the account's features, as SDKs replay them (test/fixtures/wechat/messages).
  const fixtures = new URL('./fixtures/wechat/messages/', import.meta.url);
  for (const name of [
    'event_location_select',
    'event_view_miniprogram',
    'event_publishjobfinish',
    'event_publishjobfinish_fail',
    'event_masssendjobfinish',
    'event_kf_create_session',
    'event_kf_close_session',
    'event_kf_switch_session',
    'event_subscribe_msg_popup',
    'event_subscribe_msg_sent',
    'event_qualification_verify_success',
    'event_qualification_verify_fail',
    'event_naming_verify_success',
    'event_naming_verify_fail',
    'event_annual_renew',
    'event_verify_expired',
  ]) {
    it(`${name} → success, and nothing logged as an error`, async () => {
      const errorsBefore = app.logs.filter((line) => Number(line.level) >= 50).length;
      await successFor(readFileSync(new URL(`${name}.xml`, fixtures), 'utf8'));
      assert.equal(app.logs.filter((line) => Number(line.level) >= 50).length, errorsBefore);
    });
  }

  const others: [string, Record<string, string>][] = [
    ['video', { MediaId: 'm', ThumbMediaId: 't', MsgId: '5' }],
    ['shortvideo', { MediaId: 'm', ThumbMediaId: 't', MsgId: '6' }],
    ['location', { Location_X: '23.134521', Location_Y: '113.358803', Scale: '20', Label: '位置信息', MsgId: '7' }],
    ['link', { Title: 't', Description: 'd', Url: 'http://x', MsgId: '8' }],
    ['file', { Title: 't', Description: 'd', FileKey: 'k', FileMd5: 'm', FileTotalLen: '1', MsgId: '9' }],
    ['a_type_from_the_future', { MsgId: '10' }],
  ];
  for (const [type, fields] of others) {
    it(`${type} → the fallback text 暂不支持该类型的消息`, async () => {
      const reply = await replyTo(messageXml(type, fields));
      assert.equal(reply.MsgType, 'text');
      assert.equal(reply.Content, '暂不支持该类型的消息');
    });
  }

  // A known type whose field is an element instead of text is an unknown message: the
  // rules answer it as such, and nothing throws.
  const header = '<ToUserName>gh_account</ToUserName><FromUserName>o_user_openid</FromUserName>';
  it('subscribe whose EventKey is an element → success, no error logged', async () => {
    const errorsBefore = app.logs.filter((line) => Number(line.level) >= 50).length;
    await successFor(
      `<xml>${header}<CreateTime>1</CreateTime><MsgType>event</MsgType><Event>subscribe</Event><EventKey><a>x</a></EventKey></xml>`,
    );
    assert.equal(app.logs.filter((line) => Number(line.level) >= 50).length, errorsBefore);
  });

  it('voice whose Recognition is an element → the fallback text, no error logged', async () => {
    const errorsBefore = app.logs.filter((line) => Number(line.level) >= 50).length;
    const reply = await replyTo(
      `<xml>${header}<CreateTime>2</CreateTime><MsgType>voice</MsgType><MediaId>m</MediaId><Format>amr</Format><Recognition><b/></Recognition><MsgId>12</MsgId></xml>`,
    );
    assert.equal(reply.Content, '暂不支持该类型的消息');
    assert.equal(app.logs.filter((line) => Number(line.level) >= 50).length, errorsBefore);
  });

  it('FALLBACK_REPLY replaces the fallback text', async () => {
    const custom = await startApp({ FALLBACK_REPLY: '收到 ]]> 了' });
    try {
      const reply = await exchange(
        custom.url,
        messageXml('location', { Location_X: '1', Location_Y: '2', Scale: '3', Label: 'l', MsgId: '11' }),
      );
      assert.equal(reply.Content, '收到 ]]> 了');
    } finally {
      await custom.close();
    }
  });
});
