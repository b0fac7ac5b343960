import type { MessageSource } from './load.js';
import { eventXml, freshTextMessage, nextSequence, plainRequest, userOf, type Outgoing } from './messages.js';

/** A distinct message as first sent, and the first answer seen for it. */
export interface Sent {
  readonly message: Outgoing;
  first: string | undefined;
  answered: boolean;
}

/** What the soak sends: an original or a retry, with the record of the original. */
export interface SoakMessage extends Outgoing {
  readonly sent: Sent;
  readonly retry: boolean;
}

const EVENT_TIME_BASE = Math.floor(Date.now() / 1000);

/** subscribe (with and without a scene), SCAN and CLICK, each with its own CreateTime. */
function freshEvent(): Outgoing {
  const seq = nextSequence();
  const user = userOf(seq);
  const createTime = EVENT_TIME_BASE + seq;
  let xml: string;
  let content: string | undefined;
  switch (seq % 4) {
    case 0:
      xml = eventXml(user, createTime, 'subscribe', `qrscene_${seq}`);
      content = `感谢您的关注!场景值:${seq}`;
      break;
    case 1:
      xml = eventXml(user, createTime, 'subscribe', undefined);
      content = '感谢您的关注!';
      break;
    case 2:
      xml = eventXml(user, createTime, 'SCAN', String(seq));
      content = `您扫描的场景值为:${seq}`;
      break;
    default:
      xml = eventXml(user, createTime, 'CLICK', `MENU_${seq}`);
      content = undefined; // the default rules answer `success`
  }
  return { ...plainRequest(xml, user, seq), expect: { user, content, safe: false } };
}

/**
 * The soak's mix, in every 10 requests: 2 retries of a message sent in the last 2,000
 * (exactly the same request again), 2 events, 6 text messages with fresh MsgIds.
 */
export class SoakMix implements MessageSource {
  private readonly recent: Sent[] = [];
  private cursor = 0;
  private count = 0;
  texts = 0;
  events = 0;
  retries = 0;

  next(): SoakMessage {
    const slot = this.count++ % 10;
    if ((slot === 3 || slot === 8) && this.recent.length > 0) {
      this.retries += 1;
      const sent = this.recent[Math.floor(Math.random() * this.recent.length)] as Sent;
      return { ...sent.message, sent, retry: true };
    }
    const event = slot === 1 || slot === 6;
    const message = event ? freshEvent() : freshTextMessage(false);
    if (event) this.events += 1;
    else this.texts += 1;
    const sent: Sent = { message, first: undefined, answered: false };
    if (this.recent.length < 2000) this.recent.push(sent);
    else this.recent[this.cursor++ % 2000] = sent;
    return { ...message, sent, retry: false };
  }

  /** Distinct messages sent (originals). */
  get distinct(): number {
    return this.texts + this.events;
  }
}
