import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  checkTemplateData,
  createWeChatApi,
  createTemplateCatalog,
  getAllPrivateTemplates,
  getUser,
  listUsers,
  sendTemplateMessage,
  templatePlaceholders,
  uploadMedia,
  type WeChatApi,
} from '../src/api.js';
import { loadConfig, WeChatApiError } from '../src/index.js';
import { FakeWeChat } from './helpers/fake-wechat.js';

describe('the library side of /api', () => {
  let fake: FakeWeChat;
  let api: WeChatApi;
  before(async () => {
    fake = await new FakeWeChat().start();
    const created = createWeChatApi(loadConfig({ WECHAT_TOKEN: 't', ...fake.env() }));
    assert.ok(created);
    api = created;
  });
  after(() => fake.stop());
  beforeEach(() => {
    fake.calls.length = 0;
  });

  it('listUsers iterates over every follower, three pages of up to 3', async () => {
    fake.account.followers = Array.from({ length: 8 }, (_, i) => `oFollower_${String(i + 1).padStart(4, '0')}`);
    fake.account.pageSize = 3;
    const openids: string[] = [];
    for await (const openid of listUsers(api.client)) openids.push(openid);
    assert.deepEqual(openids, fake.account.followers);
    assert.deepEqual(
      fake.callsTo('/cgi-bin/user/get').map((call) => call.query.next_openid),
      [undefined, 'oFollower_0003', 'oFollower_0006'],
    );
  });

  it('listUsers over an account without followers yields nothing', async () => {
    fake.account.followers = [];
    const openids: string[] = [];
    for await (const openid of listUsers(api.client)) openids.push(openid);
    assert.deepEqual(openids, []);
  });

  it('getUser answers the profile; an unknown openid is a WeChatApiError with 40003', async () => {
    fake.account.followers = ['oFollower_0001'];
    assert.equal((await getUser(api.client, 'oFollower_0001', 'zh_TW')).language, 'zh_TW');
    await assert.rejects(getUser(api.client, 'oNobody'), (error: unknown) => error instanceof WeChatApiError && error.errcode === 40003);
  });

  it('sendTemplateMessage sends as given; WeChat’s own check answers 40037 or 47003', async () => {
    fake.account.followers = ['oFollower_0001'];
    const data = { thing1: { value: '手表' }, character_string2: { value: 'SF1' }, time3: { value: '今天' } };
    const sent = await sendTemplateMessage(api.client, { touser: 'oFollower_0001', template_id: 'TPL_ORDER_SHIPPED', data });
    assert.equal(typeof sent.msgid, 'number');
    await assert.rejects(
      sendTemplateMessage(api.client, { touser: 'oFollower_0001', template_id: 'TPL_NONE', data }),
      (error: unknown) => error instanceof WeChatApiError && error.errcode === 40037,
    );
    await assert.rejects(
      sendTemplateMessage(api.client, { touser: 'oFollower_0001', template_id: 'TPL_ORDER_SHIPPED', data: { thing1: { value: 'x' } } }),
      (error: unknown) => error instanceof WeChatApiError && error.errcode === 47003,
    );
  });

  it('uploadMedia sends the file as field media with its name; a missing one is 41005 at WeChat', async () => {
    const uploaded = await uploadMedia(api.client, 'thumb', {
      data: new Uint8Array(1000),
      filename: 'cover.jpg',
      contentType: 'image/jpeg',
    });
    assert.equal(uploaded.type, 'thumb');
    assert.deepEqual(
      (fake.callsTo('/cgi-bin/media/upload')[0]?.body as { parts: { name: string; filename: string }[] }).parts.map((part) => [
        part.name,
        part.filename,
      ]),
      [['media', 'cover.jpg']],
    );
    await assert.rejects(
      uploadMedia(api.client, 'image', { data: new Uint8Array(0), filename: 'empty.png' }),
      (error: unknown) => error instanceof WeChatApiError && error.errcode === 41005,
    );
  });

  it('getAllPrivateTemplates lists the templates, templatePlaceholders reads their keys', async () => {
    const templates = await getAllPrivateTemplates(api.client);
    const order = templates.find((template) => template.template_id === 'TPL_ORDER_SHIPPED');
    assert.ok(order);
    assert.deepEqual(templatePlaceholders(order.content), [
      { key: 'thing1', kind: 'thing' },
      { key: 'character_string2', kind: 'character_string' },
      { key: 'time3', kind: 'time' },
    ]);
  });

  it('the template catalog is fetched again after 10 minutes (injected clock)', async () => {
    let now = 0;
    const catalog = createTemplateCatalog(api.client, () => now);
    await catalog.placeholders('TPL_ORDER_SHIPPED');
    now += 9 * 60 * 1000;
    await catalog.placeholders('TPL_ORDER_SHIPPED');
    assert.equal(fake.count('/cgi-bin/template/get_all_private_template'), 1);
    now += 2 * 60 * 1000;
    await catalog.placeholders('TPL_ORDER_SHIPPED');
    assert.equal(fake.count('/cgi-bin/template/get_all_private_template'), 2);
  });
});

describe('checkTemplateData', () => {
  const placeholders = templatePlaceholders('{{first.DATA}} {{thing1.DATA}} {{thing12.DATA}}');

  it('finds nothing wrong in complete data', () => {
    assert.deepEqual(checkTemplateData(placeholders, { first: 'a', thing1: 'b', thing12: 'c' }), []);
  });

  it('names every missing and unknown key, and over-long thing values (counted in characters)', () => {
    const problems = checkTemplateData(placeholders, { thing1: '好'.repeat(21), extra: 'x' });
    assert.equal(problems.length, 3);
    assert.match(problems[0] ?? '', /data\.first, data\.thing12: missing/);
    assert.match(problems[1] ?? '', /data\.extra: unknown/);
    assert.match(problems[2] ?? '', /data\.thing1: .*21/);
  });
});
