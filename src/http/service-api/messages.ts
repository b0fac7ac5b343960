import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { sendTemplateMessage } from '../../wechat-api/template-message.js';
import { readJson } from './read-json.js';
import { logSent } from './sent-log.js';
import { checkedCustom, checkedNotice, checkedTemplate, customSchema, noticeSchema, templateSchema } from './message-bodies.js';
import type { SendingAccount } from './sending-account.js';

/**
 * POST /api/messages/template, /custom and /subscribe; each send is logged (`logSent`).
 * The `check*` routes run every check of a send and answer what it would send, sending
 * nothing (the console shows it before the operator confirms).
 */
export function messageRoutes(accountOf: (req: Request) => SendingAccount, logger: Logger) {
  const route = (req: Request): string => `POST ${req.baseUrl}${req.path}`;
  return {
    /** Checks the data against the template's placeholders, then sends: `{ msgid }`. */
    async template(req: Request, res: Response): Promise<void> {
      const account = accountOf(req);
      const message = await checkedTemplate(readJson(req, templateSchema()), account);
      const { msgid } = await sendTemplateMessage(account.api.client, message);
      logSent(logger, res, route(req), message.touser, { msgid });
      res.json({ msgid });
    },

    /** Sends a reply as customer-service message(s), a long text in pieces, unless the window is known closed: `{ sent }`. */
    async custom(req: Request, res: Response): Promise<void> {
      const { touser, reply, force } = checkedCustom(readJson(req, customSchema()));
      const { sent } = await accountOf(req).reach.sendCustom({ touser, reply, force });
      logSent(logger, res, route(req), touser, { sent });
      res.json({ sent });
    },

    /** Checks the data against the template's keywords, then the grant, then sends: `{ sent: true }`. */
    async subscribe(req: Request, res: Response): Promise<void> {
      const account = accountOf(req);
      const notice = await checkedNotice(readJson(req, noticeSchema()), account);
      await account.reach.sendNotice(notice);
      logSent(logger, res, route(req), notice.message.touser);
      res.json({ sent: true });
    },

    /** Every check of `template`, nothing sent: `{ message }`, what WeChat would be sent. */
    async checkTemplate(req: Request, res: Response): Promise<void> {
      res.json({ message: await checkedTemplate(readJson(req, templateSchema()), accountOf(req)) });
    },

    /** Every check of `custom`, nothing sent: `{ touser, reply, pieces, window }`. */
    async checkCustom(req: Request, res: Response): Promise<void> {
      const { touser, reply, pieces } = checkedCustom(readJson(req, customSchema()));
      res.json({ touser, reply, pieces, window: await accountOf(req).reach.window(touser) });
    },

    /** Every check of `subscribe`, nothing sent: `{ message, kind, grant }` (the grant the server knows of, or null). */
    async checkSubscribe(req: Request, res: Response): Promise<void> {
      const account = accountOf(req);
      const { message, template } = await checkedNotice(readJson(req, noticeSchema()), account);
      const grant = (await account.reach.grants(message.touser)).find((known) => known.template_id === template.templateId);
      res.json({ message, kind: template.kind, grant: grant ?? null });
    },
  };
}
