import { ReachClosedError, WeChatApiError } from '../core/errors.js';
import { isKnownMessage, type InboundMessage, type WeChatMessage } from '../protocol/message-types.js';
import type { CustomMessageReply } from '../protocol/reply-types.js';
import type { ApiClient } from '../wechat-api/client.js';
import { sendCustomMessage } from '../wechat-api/custom-message.js';
import { sendNotice, type NoticeMessage } from '../wechat-api/notices.js';
import type { NoticeCatalog, NoticeCatalogTemplate } from '../wechat-api/template-catalog.js';
import { interactionOf, interactionTime, windowOf, type WindowState } from './customer-service-window.js';
import { grantAllows, grantOf, type Grant } from './grants.js';
import type { ReachStore } from './reach-store.js';

/** WeChat's answers that the customer-service window is closed: outside it (45015), or no sends left (45047). */
export const WINDOW_CLOSED_ERRCODES: ReadonlySet<number> = new Set([45015, 45047]);
/** WeChat's answer that the user has no grant of the notice's template. */
export const NO_GRANT_ERRCODE = 43101;

/** A customer-service send: `force` sends even when the window is known closed. */
export interface CustomSend {
  readonly touser: string;
  readonly reply: CustomMessageReply;
  readonly force?: boolean;
}

/** A notice send, its data checked against `template`: `force` sends even without a grant. */
export interface NoticeSend {
  readonly message: NoticeMessage;
  readonly template: NoticeCatalogTemplate;
  readonly force?: boolean;
}

/**
 * What one account knows about reaching each of its users, and the two channels that
 * depend on it: customer-service messages (the window WeChat allows after a user's
 * message, follow, scan or menu click) and subscription notices (the grants the user
 * gave). Fed by the webhook (`note`), by the sends themselves and by WeChat's refusals.
 */
export interface Reach {
  /** A message's first delivery: an interaction, or the grants its popup, change or sent event reports. Never waits. */
  note(message: InboundMessage): void;
  /** Counts customer-service messages the server sent by itself (a late or long reply). */
  countSent(openid: string, count: number): void;
  window(openid: string): Promise<WindowState>;
  /** Every grant the server knows of, each with its template's kind. */
  grants(openid: string): Promise<Grant[]>;
  /** Sends through the customer-service API unless the window is known closed (ReachClosedError). */
  sendCustom(send: CustomSend): Promise<{ sent: number; dropped: number }>;
  /** Sends a subscription notice unless its grant is known used up or rejected (ReachClosedError). */
  sendNotice(send: NoticeSend): Promise<void>;
}

export interface ReachOptions {
  readonly store: ReachStore;
  readonly client: ApiClient;
  readonly notices: NoticeCatalog;
  readonly now?: () => number;
}

export function createReach({ store, client, notices, now = Date.now }: ReachOptions): Reach {
  /** Records the grants of a popup, a change in the settings, or a delivery report. */
  function noteGrants(message: WeChatMessage): void {
    if (message.MsgType !== 'event') return;
    const openid = message.FromUserName;
    switch (message.Event) {
      case 'subscribe_msg_popup_event':
        for (const item of message.SubscribeMsgPopupEvent.List) answer(openid, item.TemplateId, item.SubscribeStatusString);
        return;
      case 'subscribe_msg_change_event':
        for (const item of message.SubscribeMsgChangeEvent.List) answer(openid, item.TemplateId, item.SubscribeStatusString);
        return;
      case 'subscribe_msg_sent_event':
        // Delivered (0) keeps the grant as the send left it; a refusal or a block drops it.
        for (const item of message.SubscribeMsgSentEvent.List) {
          if (item.ErrorCode !== '0' && item.TemplateId !== '') store.answered(openid, item.TemplateId, 'reject');
        }
        return;
      default:
        return;
    }
  }

  function answer(openid: string, templateId: string, status: string): void {
    if (templateId === '' || (status !== 'accept' && status !== 'reject')) return;
    store.answered(openid, templateId, status);
  }

  async function grantFor(openid: string, template: NoticeCatalogTemplate): Promise<Grant | undefined> {
    const record = (await store.grants(openid)).get(template.templateId);
    return record === undefined ? undefined : grantOf(template.templateId, record, template.kind);
  }

  return {
    note(message) {
      const kind = interactionOf(message);
      if (kind !== undefined) store.interacted(message.FromUserName, kind, interactionTime(Number(message.CreateTime), now()));
      else if (isKnownMessage(message)) noteGrants(message);
    },

    countSent(openid, count) {
      if (count > 0) void store.sent(openid, now(), count).catch(() => undefined);
    },

    async window(openid) {
      return windowOf(await store.window(openid), now());
    },

    async grants(openid) {
      const records = await store.grants(openid);
      if (records.size === 0) return [];
      const grants: Grant[] = [];
      for (const [templateId, record] of records) {
        // A template the account no longer has counts as one-time: the kind that is counted.
        const template = await notices.find(templateId);
        grants.push(grantOf(templateId, record, template?.kind ?? 'one-time'));
      }
      return grants;
    },

    async sendCustom({ touser, reply, force = false }) {
      if (!force) {
        const state = windowOf(await store.window(touser), now());
        if (state.window === 'closed') {
          throw new ReachClosedError(
            'custom',
            'touser: the customer-service window is closed: no allowance in force has sends left since the user’s latest message (5 within 48 h) or follow, scan or menu click (3 within 60 s); "force": true sends anyway',
          );
        }
      }
      try {
        const result = await sendCustomMessage(client, touser, reply);
        await store.sent(touser, now(), result.sent).catch(() => undefined);
        return result;
      } catch (error) {
        if (error instanceof WeChatApiError && WINDOW_CLOSED_ERRCODES.has(error.errcode)) {
          await store.refused(touser, now()).catch(() => undefined);
        }
        throw error;
      }
    },

    async sendNotice({ message, template, force = false }) {
      const grant = await grantFor(message.touser, template);
      if (!force && !grantAllows(grant)) {
        throw new ReachClosedError(
          'subscribe',
          `no grant: the user's grant of ${template.templateId} is ${grant?.status === 'reject' ? 'rejected' : 'used up'}; "force": true sends anyway`,
        );
      }
      try {
        await sendNotice(client, message);
      } catch (error) {
        if (error instanceof WeChatApiError && error.errcode === NO_GRANT_ERRCODE) {
          await store.usedGrant(message.touser, template.templateId).catch(() => undefined);
          store.answered(message.touser, template.templateId, 'reject');
        }
        throw error;
      }
      if (template.kind === 'one-time') await store.usedGrant(message.touser, template.templateId).catch(() => undefined);
    },
  };
}
