import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { Redis } from 'ioredis';
import { createWeChatSide } from '../../src/testing.js';
import { FakeWeChat } from '../helpers/fake-wechat.js';
import { PrivateRedis, describeWithRedis } from '../helpers/redis-server.js';
import { startApp, TEST_TOKEN, untilRedisReady, type RunningApp } from '../helpers/start-app.js';
import { until } from '../helpers/until.js';

const ADMIN_TOKEN = 'reach-redis-admin-secret-71c3';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const ACCOUNT = 'gh_reach_redis';
const wechat = createWeChatSide({ token: TEST_TOKEN, account: ACCOUNT });

function popupXml(user: string, template: string, status: string, createTime: number): string {
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName>` +
    `<CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[subscribe_msg_popup_event]]></Event><SubscribeMsgPopupEvent><List>` +
    `<TemplateId><![CDATA[${template}]]></TemplateId><SubscribeStatusString><![CDATA[${status}]]></SubscribeStatusString>` +
    `<PopupScene>0</PopupScene></List></SubscribeMsgPopupEvent></xml>`
  );
}

describeWithRedis('reach across instances (Redis)', () => {
  let redis: PrivateRedis;
  let client: Redis;
  let fake: FakeWeChat;
  let a: RunningApp;
  let b: RunningApp;
  let env: Record<string, string>;

  before(async () => {
    redis = await PrivateRedis.start();
    client = new Redis(redis.url);
    fake = await new FakeWeChat().start();
    env = { ...fake.env(), REDIS_URL: redis.url, ADMIN_TOKEN, TYPING_AFTER_MS: '0' };
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    await untilRedisReady(a, b);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    client.disconnect();
    await fake.stop();
    await redis.stop();
  });

  async function deliver(app: RunningApp, xml: string): Promise<void> {
    const { query, body } = wechat.signRequest(xml);
    const response = await fetch(`${app.url}/wechat?${query}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
    assert.equal(response.status, 200);
  }
  const get = async (app: RunningApp, path: string) =>
    (await (await fetch(`${app.url}${path}`, { headers: auth })).json()) as Record<string, unknown>;
  const post = async (app: RunningApp, path: string, body: unknown) =>
    (
      await fetch(`${app.url}${path}`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      })
    ).status;

  it('a message on one instance opens the window on the other, and sends on both count against it', async () => {
    const user = 'oReachRedis_window';
    await deliver(a, wechat.messageXml({ MsgType: 'text', Content: '你好' }, { user }));
    await until(async () => (await get(b, `/api/users/${user}/reach`)).window === 'open', 'the window open on b');
    const text = { touser: user, reply: { type: 'text', content: '好的' } };
    for (let i = 0; i < 5; i++) assert.equal(await post(i % 2 === 0 ? a : b, '/api/messages/custom', text), 200);
    assert.equal(await post(a, '/api/messages/custom', text), 409);
    assert.equal(await post(b, '/api/messages/custom', text), 409);
    assert.equal(fake.count('/cgi-bin/message/custom/send'), 5);
    const reach = await get(b, `/api/users/${user}/reach`);
    assert.deepEqual([reach.window, reach.custom_sent_in_window, reach.sends_left], ['closed', 5, 0]);
    const ttl = await client.pttl(`wechat:${fake.appId}:reach:${user}`);
    assert.ok(ttl > 48 * 3600_000 && ttl <= 49 * 3600_000, `the window's key expires after the allowance: ${ttl} ms`);
  });

  it('grants recorded by one instance are used by the other, and survive a restart of both', async () => {
    const user = 'oReachRedis_grant';
    const now = Math.floor(Date.now() / 1000);
    await deliver(a, popupXml(user, 'NOTICE_ONE_TIME', 'accept', now - 2));
    await deliver(b, popupXml(user, 'NOTICE_LONG_TERM', 'accept', now - 1));
    assert.equal(await client.hget(`wechat:${fake.appId}:grants:${user}`, 'NOTICE_ONE_TIME'), 'accept:1');

    await Promise.all([a.close(), b.close()]);
    [a, b] = await Promise.all([startApp(env), startApp(env)]);
    await untilRedisReady(a, b);

    const notice = { touser: user, template_id: 'NOTICE_ONE_TIME', data: { thing1: '体检', time2: '10:00', phone_number3: '13800000000' } };
    assert.equal(await post(b, '/api/messages/subscribe', notice), 200);
    assert.equal(await post(a, '/api/messages/subscribe', notice), 409, 'the one-time grant was used on b');
    const grants = (await get(a, `/api/users/${user}/grants`)).grants as { template_id: string; status: string }[];
    assert.deepEqual(grants.map((grant) => [grant.template_id, grant.status]).sort(), [
      ['NOTICE_LONG_TERM', 'accept'],
      ['NOTICE_ONE_TIME', 'used'],
    ]);
  });
});
