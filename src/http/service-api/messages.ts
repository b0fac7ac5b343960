import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import { checkTemplateData } from '../../wechat-api/check-template-data.js';
import type { WeChatApi } from '../../wechat-api/create-api.js';
import { MAX_TEXT_PIECES, sendCustomMessage, splitText } from '../../wechat-api/custom-message.js';
import { TEXT_LIMIT_BYTES } from '../../protocol/reply-limits.js';
import type { TemplateCatalog } from '../../wechat-api/template-catalog.js';
import { sendTemplateMessage } from '../../wechat-api/template-message.js';
import type { Reply } from '../../protocol/reply-types.js';
import { InputError } from '../../core/errors.js';
import { loadZod, onFirstUse, readJson } from './read-json.js';
import { logSent } from './sent-log.js';

const openid = () =>
  loadZod()
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'an openid is 1 to 64 letters, digits, _ or -');

/**
 * The one rule for every URL a caller hands us (the template's link, a music or news
 * item's): http or https only, so no javascript: or data: URL reaches a follower.
 */
const httpUrl = () => {
  const rule = 'an http(s) URL, at most 1024 characters';
  return loadZod()
    .url({ protocol: /^https?$/, error: rule })
    .max(1024, rule);
};

const templateSchema = onFirstUse(() => {
  const z = loadZod();
  const value = z.string().max(1000);
  return z.strictObject({
    touser: openid(),
    template_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'a template_id is letters, digits, _ or -'),
    data: z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'a key is letters, digits or _'), z.union([value, z.strictObject({ value })])),
    url: httpUrl().optional(),
    miniprogram: z.strictObject({ appid: z.string().min(1).max(64), pagepath: z.string().max(1024).optional() }).optional(),
    client_msg_id: z.string().min(1).max(64).optional(),
  });
});

const customSchema = onFirstUse(() => {
  const z = loadZod();
  const text = z.string().max(1024);
  const mediaId = z.string().min(1).max(256);
  const reply = z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('text'), content: z.string().min(1).max(20_000) }),
    z.strictObject({ type: z.literal('image'), mediaId }),
    z.strictObject({ type: z.literal('voice'), mediaId }),
    z.strictObject({ type: z.literal('video'), mediaId, title: text.optional(), description: text.optional() }),
    z.strictObject({
      type: z.literal('music'),
      thumbMediaId: mediaId,
      title: text.optional(),
      description: text.optional(),
      musicUrl: httpUrl().optional(),
      hqMusicUrl: httpUrl().optional(),
    }),
    z.strictObject({
      type: z.literal('news'),
      articles: z
        .array(
          z.strictObject({ title: text.min(1), description: text.optional(), picUrl: httpUrl().optional(), url: httpUrl().optional() }),
        )
        .min(1)
        .max(8),
    }),
  ]);
  return z.strictObject({ touser: openid(), reply });
});

/** A template message checked against its template, as it will go out. */
type CheckedTemplate = Parameters<typeof sendTemplateMessage>[1];

/**
 * POST /api/messages/template and /api/messages/custom; each send is logged (`logSent`).
 * `checkTemplate` and `checkCustom` run every check of a send and answer what it would
 * send, sending nothing (the console shows it before the operator confirms).
 */
export function messageRoutes(api: (req: Request) => WeChatApi, catalog: (req: Request) => TemplateCatalog, logger: Logger) {
  /** The body checked against the schema and the template's placeholders: the message as it will be sent. */
  async function checkedTemplate(req: Request): Promise<CheckedTemplate> {
    const body = readJson(req, templateSchema());
    const placeholders = await catalog(req).placeholders(body.template_id);
    if (placeholders === undefined) {
      throw new InputError('template_id', `template_id: the account has no template ${body.template_id}`);
    }
    const values = Object.fromEntries(
      Object.entries(body.data).map(([key, given]) => [key, typeof given === 'string' ? given : given.value]),
    );
    const problems = checkTemplateData(placeholders, values);
    if (problems.length > 0) throw new InputError('data', problems.join('; '));
    return {
      touser: body.touser,
      template_id: body.template_id,
      data: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }])),
      ...(body.url === undefined ? {} : { url: body.url }),
      ...(body.miniprogram === undefined ? {} : { miniprogram: body.miniprogram }),
      ...(body.client_msg_id === undefined ? {} : { client_msg_id: body.client_msg_id }),
    };
  }

  /** The body checked: the recipient, the reply, and the customer-service messages it makes. */
  function checkedCustom(req: Request): { touser: string; reply: Reply; pieces: number } {
    const body = readJson(req, customSchema());
    const reply = body.reply as Reply;
    const pieces = reply.type === 'text' ? splitText(reply.content).length : 1;
    // The webhook drops what is past the cap; a caller of its own is told instead.
    if (pieces > MAX_TEXT_PIECES) {
      throw new InputError(
        'reply.content',
        `reply.content: longer than ${MAX_TEXT_PIECES} customer-service messages of ${TEXT_LIMIT_BYTES} bytes`,
      );
    }
    return { touser: body.touser, reply, pieces };
  }

  return {
    /** Checks the data against the template's placeholders, then sends: `{ msgid }`. */
    async template(req: Request, res: Response): Promise<void> {
      const message = await checkedTemplate(req);
      const { msgid } = await sendTemplateMessage(api(req).client, message);
      logSent(logger, res, `POST ${req.baseUrl}${req.path}`, message.touser, { msgid });
      res.json({ msgid });
    },

    /** Sends a reply as customer-service message(s), a long text in pieces: `{ sent }`. */
    async custom(req: Request, res: Response): Promise<void> {
      const { touser, reply } = checkedCustom(req);
      const { sent } = await sendCustomMessage(api(req).client, touser, reply);
      logSent(logger, res, `POST ${req.baseUrl}${req.path}`, touser, { sent });
      res.json({ sent });
    },

    /** Every check of `template`, nothing sent: `{ message }`, what WeChat would be sent. */
    async checkTemplate(req: Request, res: Response): Promise<void> {
      res.json({ message: await checkedTemplate(req) });
    },

    /** Every check of `custom`, nothing sent: `{ touser, reply, pieces }`. */
    checkCustom(req: Request, res: Response): void {
      res.json(checkedCustom(req));
    },
  };
}
