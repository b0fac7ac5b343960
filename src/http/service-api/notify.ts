import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { InputError, isCodedError, WeChatApiError, WeChatUnreachableError } from '../../core/errors.js';
import { TEXT_LIMIT_BYTES } from '../../protocol/reply-limits.js';
import { MAX_TEXT_PIECES, splitText } from '../../wechat-api/custom-message.js';
import { NO_GRANT_ERRCODE, WINDOW_CLOSED_ERRCODES } from '../../reach/reach.js';
import { sendTemplateMessage } from '../../wechat-api/template-message.js';
import { checkedNotice, checkedTemplate, customSchema, noticeSchema, openid, templateSchema } from './message-bodies.js';
import { loadZod, onFirstUse, readJson } from './read-json.js';
import { logSent } from './sent-log.js';
import type { SendingAccount } from './sending-account.js';

type Channel = 'custom' | 'subscribe' | 'template';

const notifySchema = onFirstUse(() => {
  const z = loadZod();
  return z.strictObject({
    touser: openid(),
    text: customSchema().shape.reply.options[0].shape.content,
    subscribe: noticeSchema().partial({ touser: true }).optional(),
    template: templateSchema().partial({ touser: true }).optional(),
  });
});

/** WeChat's answers that a channel cannot reach the user: the next channel is tried. */
const FALLS_THROUGH: ReadonlySet<number> = new Set([...WINDOW_CLOSED_ERRCODES, NO_GRANT_ERRCODE]);

/** Why a channel could not reach the user, when it is a reason to try the next; otherwise the error is thrown on. */
function fallThrough(error: unknown): string {
  if (error instanceof WeChatApiError && FALLS_THROUGH.has(error.errcode)) return `WeChat refused: errcode ${error.errcode}`;
  if (isCodedError(error) && error.code === 'reach_closed') return error.message;
  throw error;
}

/** A channel that got no answer in time: the message may have arrived, so no other channel is tried. */
class Undelivered extends Error {
  constructor(readonly channel: Channel) {
    super(`${channel}: no answer from WeChat in time`);
  }
}

/**
 * POST /api/notify: reaches the user by the first channel that can — the customer-service
 * text while the window is open or unknown, else the subscription notice unless its
 * grant is known used up or rejected, else the template message — and answers which.
 * Every body is checked before anything is sent. A channel WeChat refuses for the window
 * or the grant falls through to the next; any other failure stops there.
 */
export function notifyRoute(accountOf: (req: Request) => SendingAccount, logger: Logger) {
  return async function notify(req: Request, res: Response): Promise<void> {
    const account = accountOf(req);
    const body = readJson(req, notifySchema());
    const { touser, text } = body;
    if (splitText(text).length > MAX_TEXT_PIECES) {
      throw new InputError('text', `text: longer than ${MAX_TEXT_PIECES} customer-service messages of ${TEXT_LIMIT_BYTES} bytes`);
    }
    // Checked first, all of them: a bad body is a 400 before anything is sent.
    const notice = body.subscribe && (await checkedNotice({ ...body.subscribe, touser }, account, 'subscribe.'));
    const template = body.template && (await checkedTemplate({ ...body.template, touser }, account, 'template.'));

    const reasons: Record<Channel, string> = {
      custom: '',
      subscribe: 'no "subscribe" body was given',
      template: 'no "template" body was given',
    };
    const attempt = async (channel: Channel, send: () => Promise<unknown>): Promise<boolean> => {
      try {
        await send();
      } catch (error) {
        if (error instanceof WeChatUnreachableError && error.timedOut) throw new Undelivered(channel);
        reasons[channel] = fallThrough(error);
        return false;
      }
      logSent(logger, res, `POST ${req.baseUrl}${req.path} (${channel})`, touser);
      res.json({ channel });
      return true;
    };

    try {
      if (await attempt('custom', () => account.reach.sendCustom({ touser, reply: { type: 'text', content: text } }))) return;
      if (notice && (await attempt('subscribe', () => account.reach.sendNotice({ ...notice, force: false })))) return;
      if (template && (await attempt('template', () => sendTemplateMessage(account.api.client, { ...template, touser })))) return;
    } catch (error) {
      if (!(error instanceof Undelivered)) throw error;
      res.status(504).json({ error: error.message, channel: error.channel, delivered: 'unknown' });
      return;
    }
    res.status(409).json({ error: 'no channel can reach the user now', reasons });
  };
}
