import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
  createReplyRouter,
  isKnownMessage,
  type AppOptions,
  type CustomMessageReply,
  type InboundMessage,
  type Session,
} from '../src/index.js';
import { parseXml } from '../src/protocol/parse-xml.js';
import { toMessage } from '../src/protocol/to-message.js';

/** A fixture message as the webhook reads it: the narrowed fields below must be there at run time too. */
const fixture = (name: string): InboundMessage =>
  toMessage(parseXml(readFileSync(new URL(`fixtures/wechat/messages/${name}.xml`, import.meta.url), 'utf8')));

// Checked by `tsc` (npm run typecheck): the handler API gives each key its typed message.
describe('the handler API’s types', () => {
  it('narrow a message by MsgType, then Event', () => {
    const describe = (message: InboundMessage): string => {
      if (!isKnownMessage(message)) return `unknown ${message.MsgType}`;
      switch (message.MsgType) {
        case 'text':
          return message.Content;
        case 'event':
          switch (message.Event) {
            case 'SCAN':
              return message.EventKey;
            case 'scancode_push':
            case 'scancode_waitmsg':
              return message.ScanCodeInfo.ScanResult;
            default:
              // @ts-expect-error Content exists only on text messages
              return message.Content;
          }
        default:
          // @ts-expect-error EventKey exists only on events
          return message.EventKey;
      }
    };
    assert.deepEqual(
      ['text', 'event_scan', 'event_scancode_push', 'unknown_msgtype'].map((name) => describe(fixture(name))),
      ['this is a test', 'SCENE_VALUE', '1', 'unknown notsure'],
    );

    createReplyRouter()
      .on('text', (message) => ({ type: 'text', content: message.Content }))
      .on('event.subscribe', (event) => ({ type: 'text', content: event.EventKey ?? '' }))
      // @ts-expect-error a voice message has no Content
      .on('voice', (message) => ({ type: 'text', content: message.Content }))
      // @ts-expect-error not a message key
      .on('txt', () => null)
      // @ts-expect-error a reply needs its fields
      .on('image', () => ({ type: 'image' }));
  });

  it('derive every key from the message union: a key, its event, its message', () => {
    createReplyRouter()
      .on('event.scancode_waitmsg', (event) => ({ type: 'text', content: event.ScanCodeInfo.ScanResult }))
      .on('event.pic_weixin', (event) => ({ type: 'text', content: event.SendPicsInfo.Count }))
      .on('event.TEMPLATESENDJOBFINISH', (event) => ({ type: 'text', content: event.Status }))
      .on('unknown', (message) => ({ type: 'text', content: message.MsgType }))
      // @ts-expect-error a CLICK event carries no ScanCodeInfo
      .on('event.CLICK', (event) => ({ type: 'text', content: event.ScanCodeInfo.ScanResult }))
      // @ts-expect-error events are keyed event.<Event>
      .on('CLICK', () => null);
  });

  it('take a hand-over to the human agents as a reply, but not as a customer-service message', () => {
    createReplyRouter()
      .on('text', () => ({ type: 'transfer_customer_service' }))
      .on('voice', () => ({ type: 'transfer_customer_service', kfAccount: 'test1@test' }))
      // @ts-expect-error kfAccount is text
      .on('image', () => ({ type: 'transfer_customer_service', kfAccount: 1 }));
    const sendable: CustomMessageReply = { type: 'text', content: 'hi' };
    // @ts-expect-error a hand-over is a passive reply only
    const handover: CustomMessageReply = { type: 'transfer_customer_service' };
    assert.deepEqual([sendable.type, handover.type], ['text', 'transfer_customer_service']);
  });
});

describe('the types of the events of the account’s features', () => {
  it('narrow by Event to each event’s own fields', () => {
    const describe = (message: InboundMessage): string => {
      if (!isKnownMessage(message) || message.MsgType !== 'event') return '';
      switch (message.Event) {
        case 'location_select':
          return `${message.EventKey} ${message.SendLocationInfo.Location_X},${message.SendLocationInfo.Location_Y} ${message.SendLocationInfo.Poiname}`;
        case 'view_miniprogram':
          return `${message.EventKey} ${message.MenuId ?? ''}`;
        case 'PUBLISHJOBFINISH': {
          const { publish_status, fail_idx, article_detail } = message.PublishEventInfo;
          return `${publish_status} ${fail_idx.join(',')} ${article_detail?.item.map((item) => item.article_url).join(',') ?? ''}`;
        }
        case 'MASSSENDJOBFINISH':
          return `${message.Status} ${message.CopyrightCheckResult?.ResultList.item[0]?.AuditState ?? ''} ${message.ArticleUrlResult?.ResultList.item[0]?.ArticleUrl ?? ''}`;
        case 'TEMPLATESENDJOBFINISH':
          return message.MsgID;
        case 'kf_create_session':
        case 'kf_close_session':
          // @ts-expect-error only kf_switch_session names two agents
          return `${message.KfAccount} ${message.ToKfAccount}`;
        case 'kf_switch_session':
          // @ts-expect-error kf_switch_session has no single KfAccount
          return `${message.FromKfAccount} → ${message.ToKfAccount} ${message.KfAccount}`;
        case 'subscribe_msg_popup_event':
          return message.SubscribeMsgPopupEvent.List.map(
            (item) => `${item.TemplateId} ${item.SubscribeStatusString} ${item.PopupScene}`,
          ).join();
        case 'subscribe_msg_change_event':
          // @ts-expect-error a change event has no popup part
          return `${message.SubscribeMsgChangeEvent.List.length} ${message.SubscribeMsgPopupEvent.List.length}`;
        case 'subscribe_msg_sent_event':
          return message.SubscribeMsgSentEvent.List.map((item) => `${item.MsgID} ${item.ErrorCode} ${item.ErrorStatus}`).join();
        case 'qualification_verify_success':
        case 'naming_verify_success':
        case 'annual_renew':
        case 'verify_expired':
          // @ts-expect-error only failures carry a FailReason
          return `${message.ExpiredTime} ${message.FailReason}`;
        case 'qualification_verify_fail':
        case 'naming_verify_fail':
          // @ts-expect-error a failure has no ExpiredTime
          return `${message.FailTime} ${message.FailReason} ${message.ExpiredTime}`;
        default:
          return '';
      }
    };
    assert.deepEqual(
      [
        'event_location_select',
        'event_view_miniprogram',
        'event_publishjobfinish_fail',
        'event_templatesendjobfinish',
        'event_subscribe_msg_popup',
        'event_subscribe_msg_sent',
        'text',
      ].map((name) => describe(fixture(name))),
      [
        '6 23,113 ',
        'pages/index/index MENUID',
        '2 1,2 ',
        '200163836',
        'VRR0UEO9VJOLs0MHlU0OilqX6MVFDwH3_3gz3Oc0NIc accept 2,9nLIlbOQZC5Y89AZteFEux3WCXRRRG5Wfzkpssu4bLI reject 2',
        '1700827132819554304 0 success',
        '',
      ],
    );
  });

  it('give each event’s handler its typed event', () => {
    createReplyRouter()
      .on('event.location_select', (event) => ({ type: 'text', content: event.SendLocationInfo.Label }))
      .on('event.view_miniprogram', () => null)
      .on('event.PUBLISHJOBFINISH', (event) => ({ type: 'text', content: event.PublishEventInfo.publish_id }))
      .on('event.kf_close_session', (event) => ({ type: 'text', content: event.KfAccount }))
      .on('event.subscribe_msg_sent_event', (event) => ({ type: 'text', content: event.SubscribeMsgSentEvent.List[0]?.MsgID ?? '' }))
      .on('event.verify_expired', (event) => ({ type: 'text', content: event.ExpiredTime }))
      .on('event.naming_verify_fail', (event) => ({ type: 'text', content: event.FailReason }))
      // @ts-expect-error a PUBLISHJOBFINISH event has no MsgID (its id is publish_id)
      .on('event.PUBLISHJOBFINISH', (event) => ({ type: 'text', content: event.MsgID }))
      // @ts-expect-error a sent event's items carry no PopupScene
      .on('event.subscribe_msg_sent_event', (event) => ({ type: 'text', content: event.SubscribeMsgSentEvent.List[0]!.PopupScene }));
  });
});

describe('the session’s types', () => {
  type OrderFlow = { step: 'menu' } | { step: 'awaiting-order-number'; since: number };
  interface Cart {
    items: string[];
    coupon?: string;
  }

  it('give a router’s handlers the state its type argument names', () => {
    const router = createReplyRouter<OrderFlow>().on('text', async (message, { session }) => {
      const state = await session.get();
      if (state?.step === 'awaiting-order-number') return { type: 'text', content: `${message.Content} since ${state.since}` };
      await session.set({ step: 'awaiting-order-number', since: 1 });
      // @ts-expect-error not a step of the flow
      await session.set({ step: 'done' });
      // @ts-expect-error `since` is a number
      await session.set({ step: 'awaiting-order-number', since: '1' });
      // @ts-expect-error undefined is not a state: clear() forgets it
      await session.set(undefined);
      await session.clear();
      return null;
    });
    // A router of typed state is still an app's router.
    const options: AppOptions = { router };
    assert.equal(options.router, router);
    assert.equal(typeof router.route, 'function');
  });

  it('accept interfaces and refuse what JSON does not keep', () => {
    createReplyRouter<Cart>().use(async (_message, { session }) => {
      const cart = await session.get();
      await session.set({ items: [...(cart?.items ?? []), 'tea'] });
      return undefined;
    });
    // @ts-expect-error a Date is not JSON (it comes back a string)
    createReplyRouter<{ at: Date }>();
    // @ts-expect-error a Map is not JSON
    createReplyRouter<Map<string, string>>();
    // @ts-expect-error a function is not JSON
    createReplyRouter<{ run: () => void }>();
  });

  it('default to any JSON value, narrowed with a cast where a handler knows better', () => {
    createReplyRouter().use(async (_message, context) => {
      const untyped = await context.session.get();
      // @ts-expect-error a JsonValue may be anything JSON: narrow it first
      void untyped.step;
      const session = context.session as Session<OrderFlow>;
      const typed = await session.get();
      void typed?.step;
      return undefined;
    });
  });
});
