import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createReplyRouter } from '../src/replies/router.js';
import { createWeChatSide } from '../src/testing.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';
import { ACCOUNT, eventXml, exchange, messageXml, postToWebhook, textXml, USER } from './helpers/wechat.js';

/** Writes `text` as a replies file in a fresh directory and returns its path. */
export function repliesFile(text: string, name = 'replies.yaml'): string {
  const file = join(mkdtempSync(join(tmpdir(), 'replies-')), name);
  writeFileSync(file, text);
  return file;
}

const FILE = `
subscribe: 感谢关注！回复「帮助」看看
scenes:
  "42": 欢迎来自 42 号活动的朋友
  quiet: null
keywords:
  - exact: [帮助, Help]
    reply: 回复「价格」看价格表
  - contains: [价格]
    reply: { type: news, articles: [{ title: 价格表, description: 今日价格, url: "https://example.com/p", picUrl: "https://example.com/p.png" }] }
  - regex: '^订单\\s*(\\d+)(号)?$'
    reply: 订单 $1 正在处理$2（$$1 不是分组）
  - regex: '^查询(.+)$'
    reply: { type: text, content: "正在查询「$1」" }
  - exact: 静音
    reply: null
  - contains: vip
    reply: 会员专线
  - exact: [VIP服务]
    reply: 永远到不了这里
  - exact: [logo]
    reply: { type: image, mediaId: MEDIA_LOGO }
  - exact: 视频
    reply: { type: video, mediaId: MEDIA_VIDEO, title: 介绍 }
  - exact: 音乐
    reply: { type: music, title: 歌, thumbMediaId: THUMB }
  - exact: 语音
    reply: { type: voice, mediaId: MEDIA_VOICE }
click:
  V1001_ABOUT: 我们是一家小店
  V1001_QUIET: null
message: 收到，我们会尽快回复
`;

describe('the replies file: every rule through the webhook', () => {
  let app: RunningApp;
  before(async () => {
    const router = createReplyRouter().on('text', (message) =>
      message.Content === '代码' ? { type: 'text', content: '代码先答' } : undefined,
    );
    app = await startApp({ REPLIES_FILE: repliesFile(FILE) }, { router });
  });
  after(() => app.close());

  const text = async (content: string) => exchange(app.url, textXml(content));
  const body = async (xml: string) => (await postToWebhook(app.url, xml)).text();

  it('subscribe without a scene gets the welcome', async () => {
    assert.equal((await exchange(app.url, eventXml('subscribe'))).Content, '感谢关注！回复「帮助」看看');
    assert.equal((await exchange(app.url, eventXml('subscribe', { EventKey: '' }))).Content, '感谢关注！回复「帮助」看看');
  });

  it('a scene answers subscribe with qrscene_X and SCAN with X, before subscribe', async () => {
    assert.equal((await exchange(app.url, eventXml('subscribe', { EventKey: 'qrscene_42' }))).Content, '欢迎来自 42 号活动的朋友');
    assert.equal((await exchange(app.url, eventXml('SCAN', { EventKey: '42' }))).Content, '欢迎来自 42 号活动的朋友');
  });

  it('a scene the file does not name: subscribe gets the welcome, SCAN the default rule', async () => {
    assert.equal((await exchange(app.url, eventXml('subscribe', { EventKey: 'qrscene_7' }))).Content, '感谢关注！回复「帮助」看看');
    assert.equal((await exchange(app.url, eventXml('SCAN', { EventKey: '7' }))).Content, '您扫描的场景值为:7');
  });

  it('a scene whose reply is null answers success', async () => {
    assert.equal(await body(eventXml('SCAN', { EventKey: 'quiet' })), 'success');
  });

  it('exact: the whole Content, ignoring surrounding white space and ASCII case', async () => {
    assert.equal((await text('帮助')).Content, '回复「价格」看价格表');
    assert.equal((await text('  HELP \n')).Content, '回复「价格」看价格表');
    assert.equal((await text('hElP')).Content, '回复「价格」看价格表');
    assert.equal((await text('帮助我')).Content, '收到，我们会尽快回复');
  });

  it('contains: anywhere in Content', async () => {
    const reply = await text('请问价格多少');
    assert.equal(reply.MsgType, 'news');
    assert.deepEqual(reply.Articles, {
      item: [{ Title: '价格表', Description: '今日价格', PicUrl: 'https://example.com/p.png', Url: 'https://example.com/p' }],
    });
  });

  it('contains ignores ASCII case only', async () => {
    assert.equal((await text('我是VIP')).Content, '会员专线');
    // Fullwidth ＶＩＰ is not ASCII: no fold, no match.
    assert.equal((await text('我是ＶＩＰ')).Content, '收到，我们会尽快回复');
  });

  it('regex: $1…$9 are the groups, in Chinese text too; $$ is a dollar', async () => {
    assert.equal((await text('订单 12345')).Content, '订单 12345 正在处理（$1 不是分组）');
    assert.equal((await text('订单678号')).Content, '订单 678 正在处理号（$1 不是分组）');
    assert.equal((await text('查询北京天气')).Content, '正在查询「北京天气」');
  });

  it('the first matching rule in file order wins, even over a later exact rule', async () => {
    // "VIP服务" is an exact rule, but the contains rule for "vip" comes first.
    assert.equal((await text('VIP服务')).Content, '会员专线');
  });

  it('a keyword reply of null answers success', async () => {
    assert.equal(await body(textXml('静音')), 'success');
  });

  it('reply objects: image, voice, video, music', async () => {
    const image = await text('LOGO');
    assert.equal(image.MsgType, 'image');
    assert.deepEqual(image.Image, { MediaId: 'MEDIA_LOGO' });
    assert.deepEqual((await text('语音')).Voice, { MediaId: 'MEDIA_VOICE' });
    const video = (await text('视频')).Video as Record<string, string>;
    assert.equal(video.MediaId, 'MEDIA_VIDEO');
    assert.equal(video.Title, '介绍');
    const music = (await text('音乐')).Music as Record<string, string>;
    assert.equal(music.Title, '歌');
    assert.equal(music.ThumbMediaId, 'THUMB');
  });

  it('click answers menu CLICK events by EventKey; others fall to the default rules', async () => {
    assert.equal((await exchange(app.url, eventXml('CLICK', { EventKey: 'V1001_ABOUT' }))).Content, '我们是一家小店');
    assert.equal(await body(eventXml('CLICK', { EventKey: 'V1001_QUIET' })), 'success');
    assert.equal(await body(eventXml('CLICK', { EventKey: 'toString' })), 'success');
  });

  it('message answers every message no keyword rule answered, of every type', async () => {
    const messages = [
      textXml('随便说点什么'),
      messageXml('image', { PicUrl: 'http://p', MediaId: 'M1', MsgId: '1001' }),
      messageXml('voice', { MediaId: 'M2', Format: 'amr', Recognition: '你好', MsgId: '1002' }),
      messageXml('video', { MediaId: 'M3', ThumbMediaId: 'T3', MsgId: '1003' }),
      messageXml('location', { Location_X: '23.1', Location_Y: '113.3', Scale: '20', Label: '广州', MsgId: '1004' }),
      messageXml('link', { Title: 't', Description: 'd', Url: 'https://example.com', MsgId: '1005' }),
      messageXml('hologram', { MsgId: '1006' }),
    ];
    for (const xml of messages) assert.equal((await exchange(app.url, xml)).Content, '收到，我们会尽快回复', xml);
  });

  it('message does not answer events: they keep the default rules', async () => {
    assert.equal(await body(eventXml('unsubscribe')), 'success');
    assert.equal(await body(eventXml('VIEW', { EventKey: 'https://example.com' })), 'success');
  });

  it('handlers in code answer first', async () => {
    assert.equal((await text('代码')).Content, '代码先答');
  });
});

describe('a replies file that says little leaves the rest to the default rules', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp({ REPLIES_FILE: repliesFile('keywords:\n  - exact: 你好\n    reply: 您好！\n') });
  });
  after(() => app.close());

  it('answers its own rules, and the default rules everything else', async () => {
    assert.equal((await exchange(app.url, textXml('你好'))).Content, '您好！');
    assert.equal((await exchange(app.url, textXml('echo me'))).Content, 'echo me');
    assert.equal((await exchange(app.url, eventXml('subscribe'))).Content, '感谢您的关注!');
    assert.equal((await exchange(app.url, eventXml('subscribe', { EventKey: 'qrscene_5' }))).Content, '感谢您的关注!场景值:5');
    assert.equal((await exchange(app.url, eventXml('SCAN', { EventKey: '5' }))).Content, '您扫描的场景值为:5');
    assert.equal((await exchange(app.url, messageXml('image', { PicUrl: 'p', MediaId: 'M9', MsgId: '2001' }))).MsgType, 'image');
  });

  it('a JSON file works the same', async () => {
    const json = await startApp({ REPLIES_FILE: repliesFile('{"message": null, "click": {"K": "点了"}}', 'replies.json') });
    try {
      assert.equal(await (await postToWebhook(json.url, textXml('hi'))).text(), 'success');
      assert.equal((await exchange(json.url, eventXml('CLICK', { EventKey: 'K' }))).Content, '点了');
    } finally {
      await json.close();
    }
  });
});

describe('a hand-over to the human agents from the replies file (transfer_customer_service)', () => {
  const AES_KEY = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
  const APPID = 'wx_handover_test';
  let app: RunningApp;
  before(async () => {
    const file = repliesFile(`
keywords:
  - exact: 人工
    reply: { type: transfer_customer_service }
  - exact: 找小王
    reply: { type: transfer_customer_service, kfAccount: xiaowang@coffee_shop }
`);
    app = await startApp({ REPLIES_FILE: file, WECHAT_ENCODING_AES_KEY: AES_KEY, WECHAT_APPID: APPID });
  });
  after(() => app.close());

  const HEADER =
    '<xml><ToUserName><![CDATA[o_user_openid]]></ToUserName><FromUserName><![CDATA[gh_account]]></FromUserName><CreateTime>T</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType>';
  const ANY = `${HEADER}</xml>`;
  const XIAOWANG = `${HEADER}<TransInfo><KfAccount><![CDATA[xiaowang@coffee_shop]]></KfAccount></TransInfo></xml>`;
  const stamped = (xml: string) => xml.replace(/<CreateTime>\d+<\/CreateTime>/, '<CreateTime>T</CreateTime>');

  it('answers exactly WeChat’s hand-over XML, without and with the agent (plaintext)', async () => {
    assert.equal(stamped(await (await postToWebhook(app.url, textXml('人工'))).text()), ANY);
    assert.equal(stamped(await (await postToWebhook(app.url, textXml('找小王'))).text()), XIAOWANG);
  });

  it('the same XML, encrypted, in safe mode', async () => {
    const wechat = createWeChatSide({ token: TEST_TOKEN, encodingAesKey: AES_KEY, appId: APPID, account: ACCOUNT, user: USER });
    for (const [content, expected] of [
      ['人工', ANY],
      ['找小王', XIAOWANG],
    ] as const) {
      const { query, body } = wechat.signRequest(wechat.messageXml({ MsgType: 'text', Content: content }));
      const response = await postToWebhook(app.url, body, query);
      const { xml } = wechat.checkReply(response.status, await response.text());
      assert.equal(stamped(xml), expected);
    }
  });
});
