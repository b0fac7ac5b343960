import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createWeChatSide } from '../src/testing.js';
import { FakeWeChat } from './helpers/fake-wechat.js';
import { startApp, TEST_TOKEN, type RunningApp } from './helpers/start-app.js';

const ADMIN_TOKEN = 'reach-admin-secret-5d1e';
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
const ACCOUNT = 'gh_reach';
const CUSTOM = '/cgi-bin/message/custom/send';
const BIZSEND = '/cgi-bin/message/subscribe/bizsend';
const TEMPLATE_SEND = '/cgi-bin/message/template/send';
const ONE_TIME = 'NOTICE_ONE_TIME';
const LONG_TERM = 'NOTICE_LONG_TERM';
const HOUR = 60 * 60 * 1000;

const wechat = createWeChatSide({ token: TEST_TOKEN, account: ACCOUNT });

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

let serial = 0;
/** The grant events' CreateTimes count down from here: fixed, so that no two are ever the same second. */
const EVENTS_FROM = Math.floor(Date.now() / 1000);
/** A fresh user for each test: what the server knows of one never leaks into another's. */
const freshUser = (): string => `oReachUser_${Date.now().toString(36)}_${++serial}`;

/**
 * The grant events' XML: a `List` per template, as WeChat nests them. Each gets its own
 * CreateTime, a second before the last (from a fixed start: a clock that moves on between
 * two events must not give them the same one): one user's events are told apart by it.
 */
function grantEventXml(user: string, event: string, wrapper: string, items: readonly Record<string, string>[]): string {
  const lists = items
    .map(
      (item) =>
        `<List>${Object.entries(item)
          .map(([name, value]) => `<${name}><![CDATA[${value}]]></${name}>`)
          .join('')}</List>`,
    )
    .join('');
  return (
    `<xml><ToUserName><![CDATA[${ACCOUNT}]]></ToUserName><FromUserName><![CDATA[${user}]]></FromUserName>` +
    `<CreateTime>${EVENTS_FROM - ++serial}</CreateTime><MsgType><![CDATA[event]]></MsgType>` +
    `<Event><![CDATA[${event}]]></Event><${wrapper}>${lists}</${wrapper}></xml>`
  );
}

const popup = (user: string, template: string, status: 'accept' | 'reject') =>
  grantEventXml(user, 'subscribe_msg_popup_event', 'SubscribeMsgPopupEvent', [
    { TemplateId: template, SubscribeStatusString: status, PopupScene: '0' },
  ]);
const change = (user: string, template: string, status: 'accept' | 'reject') =>
  grantEventXml(user, 'subscribe_msg_change_event', 'SubscribeMsgChangeEvent', [{ TemplateId: template, SubscribeStatusString: status }]);
const sentReport = (user: string, template: string, errorCode: string) =>
  grantEventXml(user, 'subscribe_msg_sent_event', 'SubscribeMsgSentEvent', [
    {
      TemplateId: template,
      MsgID: '1700827132819554304',
      ErrorCode: errorCode,
      ErrorStatus: errorCode === '0' ? 'success' : 'fail:user refuse to accept the msg',
    },
  ]);

const oneTimeData = { thing1: '体检', time2: '2026年5月1日 10:00', phone_number3: '13800000000' };
const notice = (touser: string, extra: Record<string, unknown> = {}) => ({ touser, template_id: ONE_TIME, data: oneTimeData, ...extra });
const longTerm = (touser: string, extra: Record<string, unknown> = {}) => ({
  touser,
  template_id: LONG_TERM,
  data: { amount1: '¥100.00', date2: '2026年5月1日' },
  ...extra,
});
const text = (touser: string, extra: Record<string, unknown> = {}) => ({
  touser,
  reply: { type: 'text', content: '您的订单已发货' },
  ...extra,
});

describe('reaching a follower: subscription notices, the customer-service window, notify', () => {
  let fake: FakeWeChat;
  let app: RunningApp;
  /** How far the server's clock is ahead of the real one (to see allowances end without waiting). */
  let ahead = 0;
  before(async () => {
    fake = await new FakeWeChat().start();
    app = await startApp({ ...fake.env(), ADMIN_TOKEN, TYPING_AFTER_MS: '0' }, { now: () => Date.now() + ahead });
  });
  after(async () => {
    await app.close();
    await fake.stop();
  });
  beforeEach(() => {
    ahead = 0;
    fake.calls.length = 0;
  });

  /** Delivers a message as WeChat does; the webhook's answer must be 200. */
  async function deliver(xml: string): Promise<void> {
    const { query, body } = wechat.signRequest(xml);
    const response = await fetch(`${app.url}/wechat?${query}`, { method: 'POST', headers: { 'Content-Type': 'text/xml' }, body });
    assert.equal(response.status, 200, await response.text());
  }
  const textFrom = (user: string) => wechat.messageXml({ MsgType: 'text', Content: '在吗' }, { user });
  const eventFrom = (user: string, event: string, fields: Record<string, string> = {}) =>
    wechat.messageXml({ MsgType: 'event', Event: event, ...fields }, { user });

  async function call(method: string, path: string, body?: unknown): Promise<Answer> {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }
  const post = (path: string, body: unknown) => call('POST', path, body);
  const reachOf = async (user: string) => (await call('GET', `/api/users/${user}/reach`)).body;
  const grantsOf = async (user: string) => (await call('GET', `/api/users/${user}/grants`)).body.grants;

  describe('POST /api/messages/subscribe', () => {
    it('sends the notice with each value as { value }, checked against the template', async () => {
      const user = freshUser();
      const answer = await post(
        '/api/messages/subscribe',
        notice(user, { data: { ...oneTimeData, thing1: { value: '体检' } }, page: 'https://example.com/booking' }),
      );
      assert.deepEqual(answer, { status: 200, body: { sent: true } });
      const [sent] = fake.callsTo(BIZSEND);
      assert.deepEqual(sent?.body, {
        touser: user,
        template_id: ONE_TIME,
        data: { thing1: { value: '体检' }, time2: { value: '2026年5月1日 10:00' }, phone_number3: { value: '13800000000' } },
        page: 'https://example.com/booking',
      });
    });

    it('refuses missing and unknown keys and values over their kind’s limit with a 400 naming them, nothing sent', async () => {
      const user = freshUser();
      const missing = await post('/api/messages/subscribe', notice(user, { data: { thing1: '体检', extra: 'x' } }));
      assert.equal(missing.status, 400);
      assert.match(String(missing.body.error), /data\.time2, data\.phone_number3: missing/);
      assert.match(String(missing.body.error), /data\.extra: unknown/);

      const over = await post(
        '/api/messages/subscribe',
        notice(user, { data: { thing1: '好'.repeat(21), time2: '明天上午', phone_number3: '1'.repeat(18) } }),
      );
      assert.equal(over.status, 400);
      assert.match(String(over.body.error), /data\.thing1: a thing value is at most 20 characters, this one has 21/);
      assert.match(String(over.body.error), /data\.time2: a time value is a 24-hour time/);
      assert.match(String(over.body.error), /data\.phone_number3: a phone_number value is at most 17 characters/);

      const amount = await post(
        '/api/messages/subscribe',
        longTerm(user, { data: { amount1: '一百元', date2: '2026-05-01 ~ 2026-05-03' } }),
      );
      assert.equal(amount.status, 400);
      assert.match(String(amount.body.error), /data\.amount1: an amount value/);
      assert.doesNotMatch(String(amount.body.error), /date2/, 'a date range is a date');

      const unknown = await post('/api/messages/subscribe', notice(user, { template_id: 'NO_SUCH_NOTICE' }));
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.field, 'template_id');
      assert.equal(fake.count(BIZSEND), 0);
    });

    it('a one-time grant allows one send per accept: then 409 “no grant” without calling WeChat, unless forced', async () => {
      const user = freshUser();
      await deliver(popup(user, ONE_TIME, 'accept'));
      assert.deepEqual(await grantsOf(user), [{ template_id: ONE_TIME, kind: 'one-time', remaining: 1, status: 'accept' }]);

      assert.equal((await post('/api/messages/subscribe', notice(user))).status, 200);
      assert.deepEqual(await grantsOf(user), [{ template_id: ONE_TIME, kind: 'one-time', remaining: 0, status: 'used' }]);

      const refused = await post('/api/messages/subscribe', notice(user));
      assert.equal(refused.status, 409);
      assert.match(String(refused.body.error), /^no grant/);
      assert.equal(fake.count(BIZSEND), 1, 'WeChat is not called for a grant known used up');

      assert.equal((await post('/api/messages/subscribe', notice(user, { force: true }))).status, 200);
      assert.equal(fake.count(BIZSEND), 2);

      await deliver(popup(user, ONE_TIME, 'accept'));
      await deliver(popup(user, ONE_TIME, 'accept'));
      assert.deepEqual(await grantsOf(user), [{ template_id: ONE_TIME, kind: 'one-time', remaining: 2, status: 'accept' }]);
    });

    it('a long-term grant stays until a reject, whatever is sent', async () => {
      const user = freshUser();
      await deliver(change(user, LONG_TERM, 'accept'));
      for (let i = 0; i < 3; i++) assert.equal((await post('/api/messages/subscribe', longTerm(user))).status, 200);
      assert.deepEqual(await grantsOf(user), [{ template_id: LONG_TERM, kind: 'long-term', remaining: null, status: 'accept' }]);

      await deliver(change(user, LONG_TERM, 'reject'));
      assert.equal((await post('/api/messages/subscribe', longTerm(user))).status, 409);
      assert.equal(fake.count(BIZSEND), 3);
      assert.deepEqual(await grantsOf(user), [{ template_id: LONG_TERM, kind: 'long-term', remaining: null, status: 'reject' }]);
    });

    it('a user with no record is tried; WeChat’s 43101 is a 409 with the errcode, recorded as no grant', async () => {
      const user = freshUser();
      assert.deepEqual(await grantsOf(user), []);
      fake.notices.refuse(user, ONE_TIME);
      const refused = await post('/api/messages/subscribe', notice(user));
      assert.equal(refused.status, 409);
      assert.equal(refused.body.errcode, 43101);
      assert.equal(fake.count(BIZSEND), 1);
      assert.deepEqual(await grantsOf(user), [{ template_id: ONE_TIME, kind: 'one-time', remaining: 0, status: 'reject' }]);
      assert.equal((await post('/api/messages/subscribe', notice(user))).status, 409);
      assert.equal(fake.count(BIZSEND), 1, 'no second call for a grant known refused');
    });

    it('another errcode is a 502 and keeps the one-time grant', async () => {
      const user = freshUser();
      await deliver(popup(user, ONE_TIME, 'accept'));
      fake.on(BIZSEND, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      const failed = await post('/api/messages/subscribe', notice(user));
      assert.equal(failed.status, 502);
      assert.equal(failed.body.errcode, 45009);
      assert.deepEqual(await grantsOf(user), [{ template_id: ONE_TIME, kind: 'one-time', remaining: 1, status: 'accept' }]);
    });

    it('a delivery report keeps the grant on success and drops it on a refusal', async () => {
      const user = freshUser();
      await deliver(change(user, LONG_TERM, 'accept'));
      await deliver(sentReport(user, LONG_TERM, '0'));
      assert.equal(((await grantsOf(user)) as { status: string }[])[0]?.status, 'accept');
      await deliver(sentReport(user, LONG_TERM, '43101'));
      assert.equal(((await grantsOf(user)) as { status: string }[])[0]?.status, 'reject');
    });

    it('a popup’s reject is recorded per template, beside another template’s accept', async () => {
      const user = freshUser();
      await deliver(
        grantEventXml(user, 'subscribe_msg_popup_event', 'SubscribeMsgPopupEvent', [
          { TemplateId: ONE_TIME, SubscribeStatusString: 'accept', PopupScene: '2' },
          { TemplateId: LONG_TERM, SubscribeStatusString: 'reject', PopupScene: '2' },
        ]),
      );
      const grants = (await grantsOf(user)) as { template_id: string; status: string }[];
      assert.deepEqual(grants.map((grant) => [grant.template_id, grant.status]).sort(), [
        [LONG_TERM, 'reject'],
        [ONE_TIME, 'accept'],
      ]);
    });
  });

  describe('the customer-service window', () => {
    it('a user the server has no record of is unknown, and is sent to', async () => {
      const user = freshUser();
      assert.deepEqual(await reachOf(user), {
        window: 'unknown',
        window_until: null,
        custom_sent_in_window: 0,
        sends_left: null,
        grants: [],
      });
      assert.equal((await post('/api/messages/custom', text(user))).status, 200);
      assert.equal(fake.count(CUSTOM), 1);
    });

    it('a message allows 5 sends within 48 hours of its CreateTime; the sixth is a 409 without calling WeChat, unless forced', async () => {
      const user = freshUser();
      await deliver(textFrom(user));
      const opened = await reachOf(user);
      assert.equal(opened.window, 'open');
      assert.equal(opened.sends_left, 5);
      const until = Date.parse(String(opened.window_until));
      assert.ok(Math.abs(until - (Date.now() + 48 * HOUR)) < 5000, `window_until ${String(opened.window_until)}`);

      for (let i = 0; i < 5; i++) assert.equal((await post('/api/messages/custom', text(user))).status, 200);
      assert.deepEqual(
        { ...(await reachOf(user)), grants: undefined },
        {
          window: 'closed',
          window_until: null,
          custom_sent_in_window: 5,
          sends_left: 0,
          grants: undefined,
        },
      );
      const refused = await post('/api/messages/custom', text(user));
      assert.equal(refused.status, 409);
      assert.match(String(refused.body.error), /customer-service window is closed/);
      assert.equal(fake.count(CUSTOM), 5);

      assert.equal((await post('/api/messages/custom', text(user, { force: true }))).status, 200);
      assert.equal((await reachOf(user)).custom_sent_in_window, 6, 'forced sends are counted');
      await deliver(textFrom(user));
      assert.deepEqual([(await reachOf(user)).window, (await reachOf(user)).sends_left], ['open', 5]);
    });

    it('a follow, a scan or a menu click allows 3 sends within 60 seconds; a view does not open the window', async () => {
      const viewer = freshUser();
      await deliver(eventFrom(viewer, 'VIEW', { EventKey: 'https://example.com/' }));
      assert.equal((await reachOf(viewer)).window, 'unknown');

      for (const [event, fields] of [
        ['subscribe', {}],
        ['SCAN', { EventKey: '123', Ticket: 'TICKET' }],
        ['CLICK', { EventKey: 'V1001_TODAY_MUSIC' }],
        ['scancode_push', { EventKey: 'scan', ScanCodeInfo: '' }],
      ] as const) {
        const user = freshUser();
        await deliver(eventFrom(user, event, fields));
        const reach = await reachOf(user);
        assert.equal(reach.window, 'open', event);
        assert.equal(reach.sends_left, 3, event);
        assert.ok(Math.abs(Date.parse(String(reach.window_until)) - (Date.now() + 60_000)) < 5000, event);
      }

      const user = freshUser();
      await deliver(eventFrom(user, 'CLICK', { EventKey: 'K' }));
      for (let i = 0; i < 3; i++) assert.equal((await post('/api/messages/custom', text(user))).status, 200);
      assert.equal((await post('/api/messages/custom', text(user))).status, 409);
      assert.equal(fake.count(CUSTOM), 3);
    });

    it('allowances do not shrink each other, and each ends on time', async () => {
      const user = freshUser();
      await deliver(textFrom(user));
      await deliver(eventFrom(user, 'CLICK', { EventKey: 'K' }));
      for (let i = 0; i < 3; i++) await post('/api/messages/custom', text(user));
      const both = await reachOf(user);
      assert.equal(both.window, 'open', 'the click’s 3 are spent, the message’s 5 are not');
      assert.equal(both.sends_left, 2);

      ahead = 49 * HOUR;
      assert.deepEqual([(await reachOf(user)).window, (await reachOf(user)).sends_left], ['closed', 0]);
      assert.equal((await post('/api/messages/custom', text(user))).status, 409);

      const clicker = freshUser();
      ahead = 0;
      await deliver(eventFrom(clicker, 'CLICK', { EventKey: 'K' }));
      ahead = 61_000;
      assert.equal((await reachOf(clicker)).window, 'closed');
    });

    it('WeChat’s 45015 is a 409 with the errcode, and closes the window until the user’s next interaction', async () => {
      const user = freshUser();
      fake.on(CUSTOM, { errcode: 45015, errmsg: 'response out of time limit or subscription is canceled' });
      const refused = await post('/api/messages/custom', text(user));
      assert.equal(refused.status, 409);
      assert.equal(refused.body.errcode, 45015);
      assert.equal((await reachOf(user)).window, 'closed');
      assert.equal((await post('/api/messages/custom', text(user))).status, 409);
      assert.equal(fake.count(CUSTOM), 1);

      await deliver(textFrom(user));
      assert.equal((await reachOf(user)).window, 'open');
      assert.equal((await post('/api/messages/custom', text(user))).status, 200);
    });
  });

  describe('POST /api/notify', () => {
    const notify = (touser: string, extra: Record<string, unknown> = {}) =>
      post('/api/notify', {
        touser,
        text: '您预约的体检在明天上午 10 点',
        subscribe: { template_id: ONE_TIME, data: oneTimeData },
        template: {
          template_id: 'TPL_ORDER_SHIPPED',
          data: { thing1: '体检预约', character_string2: 'A123', time3: '2026年5月1日 10:00' },
        },
        ...extra,
      });

    it('uses the customer-service text while the window is open or unknown', async () => {
      const user = freshUser();
      assert.deepEqual(await notify(user), { status: 200, body: { channel: 'custom' } });
      const [sent] = fake.callsTo(CUSTOM);
      assert.deepEqual(sent?.body, { touser: user, msgtype: 'text', text: { content: '您预约的体检在明天上午 10 点' } });
      assert.equal(fake.count(BIZSEND) + fake.count(TEMPLATE_SEND), 0);
    });

    it('goes on to the notice when the window is known closed, and to the template when the grant is used up', async () => {
      const user = fake.account.followers[0] ?? '';
      fake.on(CUSTOM, { errcode: 45047, errmsg: 'out of response count limit' });
      assert.deepEqual(await notify(user), { status: 200, body: { channel: 'subscribe' } });
      assert.equal(fake.count(CUSTOM), 1, 'an unknown user’s 45047 falls through');

      fake.notices.refuse(user, ONE_TIME);
      assert.deepEqual(await notify(user), { status: 200, body: { channel: 'template' } });
      assert.equal(fake.count(CUSTOM), 1, 'the window is known closed now: not tried again');
      const [sent] = fake.callsTo(TEMPLATE_SEND);
      assert.equal((sent?.body as { touser?: string }).touser, user);
    });

    it('answers 409 with every channel’s reason when none can reach the user', async () => {
      const user = freshUser();
      fake.on(CUSTOM, { errcode: 45015 });
      fake.notices.refuse(user, ONE_TIME);
      const answer = await notify(user, { template: undefined });
      assert.equal(answer.status, 409);
      const reasons = answer.body.reasons as Record<string, string>;
      assert.match(reasons.custom ?? '', /45015/);
      assert.match(reasons.subscribe ?? '', /43101/);
      assert.match(reasons.template ?? '', /no "template" body/);
    });

    it('another errcode is a 502 with it, and no other channel is tried', async () => {
      const user = freshUser();
      fake.on(CUSTOM, { errcode: 45009, errmsg: 'reach max api daily quota limit' });
      const answer = await notify(user);
      assert.equal(answer.status, 502);
      assert.equal(answer.body.errcode, 45009);
      assert.equal(fake.count(BIZSEND) + fake.count(TEMPLATE_SEND), 0);
    });

    it('checks every body before sending anything: a bad notice is a 400 naming it', async () => {
      const user = freshUser();
      const answer = await notify(user, { subscribe: { template_id: ONE_TIME, data: { thing1: '体检' } } });
      assert.equal(answer.status, 400);
      assert.equal(answer.body.field, 'subscribe.data');
      assert.equal(fake.count(CUSTOM), 0);
    });

    it('a channel that timed out is a 504 “delivered unknown”, and no other channel is tried', async () => {
      const user = freshUser();
      fake.on(CUSTOM, { hang: true });
      const answer = await notify(user);
      assert.equal(answer.status, 504);
      assert.equal(answer.body.channel, 'custom');
      assert.equal(answer.body.delivered, 'unknown');
      assert.equal(fake.count(BIZSEND) + fake.count(TEMPLATE_SEND), 0);
    });
  });

  it('every send is logged with the route, the masked recipient and the caller, never the openid', async () => {
    const user = freshUser();
    await post('/api/messages/subscribe', notice(user));
    const line = app.logs.find((entry) => entry.msg === 'message sent' && entry.route === 'POST /api/messages/subscribe');
    assert.ok(line, 'a log line for the notice');
    assert.equal(line.caller, 'admin');
    assert.doesNotMatch(app.logText(), new RegExp(user));
  });
});
