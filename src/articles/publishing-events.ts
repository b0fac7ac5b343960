import type { Logger } from 'pino';
import { isKnownMessage, type InboundMessage, type MassSendJobFinishEvent, type PublishJobFinishEvent } from '../protocol/message-types.js';
import type { MassResult, PublishingRecords, PublishResult } from './publishing-records.js';

/** WeChat's report of how a publish or a mass send ended, recorded for `status`. */
export interface PublishingEvents {
  /** Records PUBLISHJOBFINISH and MASSSENDJOBFINISH; ignores every other message. Never waits, never throws. */
  note(message: InboundMessage): void;
}

/** A count of MASSSENDJOBFINISH, as a number when it is one. */
const count = (text: string | undefined): number | undefined => (text !== undefined && /^\d{1,12}$/.test(text) ? Number(text) : undefined);

export function publishResultOf(event: PublishJobFinishEvent, at: number): PublishResult {
  const info = event.PublishEventInfo;
  const urls = [...(info.article_detail?.item ?? [])].sort((a, b) => Number(a.idx) - Number(b.idx)).map((item) => item.article_url);
  return {
    status: Number(info.publish_status),
    ...(info.article_id === undefined || info.article_id === '' ? {} : { articleId: info.article_id }),
    articleUrls: urls,
    failIdx: info.fail_idx.map(Number).filter(Number.isInteger),
    at,
  };
}

export function massResultOf(event: MassSendJobFinishEvent, at: number): MassResult {
  const fields = {
    total: count(event.TotalCount),
    filtered: count(event.FilterCount),
    sent: count(event.SentCount),
    errors: count(event.ErrorCount),
  };
  const present = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
  return { status: event.Status, ...present, at };
}

/** Records the two reports in the account's publishing records, off the reply's path. */
export function createPublishingEvents(records: PublishingRecords, logger: Logger, now: () => number = Date.now): PublishingEvents {
  const recorded = (write: Promise<void>, what: string): void =>
    void write.catch((error: unknown) => logger.warn({ err: error }, `${what} was not recorded; status asks WeChat instead`));
  return {
    note(message) {
      if (message.MsgType !== 'event' || !isKnownMessage(message)) return;
      if (message.Event === 'PUBLISHJOBFINISH') {
        const id = message.PublishEventInfo.publish_id;
        if (id !== '') recorded(records.recordPublishResult(id, publishResultOf(message, now())), 'PUBLISHJOBFINISH');
      } else if (message.Event === 'MASSSENDJOBFINISH') {
        if (message.MsgID !== '') recorded(records.recordMassResult(message.MsgID, massResultOf(message, now())), 'MASSSENDJOBFINISH');
      }
    },
  };
}
