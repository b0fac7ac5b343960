import { InputError } from '../../core/errors.js';
import { TEXT_LIMIT_BYTES } from '../../protocol/reply-limits.js';
import type { CustomMessageReply } from '../../protocol/reply-types.js';
import { checkTemplateData, NOTICE_RULES } from '../../wechat-api/check-template-data.js';
import { MAX_TEXT_PIECES, splitText } from '../../wechat-api/custom-message.js';
import type { NoticeMessage } from '../../wechat-api/notices.js';
import type { NoticeCatalogTemplate } from '../../wechat-api/template-catalog.js';
import type { TemplateMessage } from '../../wechat-api/template-message.js';
import { loadZod, onFirstUse } from './read-json.js';
import { OPENID } from './openid-rules.js';
import type { SendingAccount } from './sending-account.js';

/**
 * The bodies of the three send routes (template message, customer-service message,
 * subscription notice), each checked as far as can be before WeChat is called: the
 * schema first, then the template's placeholders and their kinds' limits. `/api/notify`
 * takes the same bodies.
 */

export const openid = () => loadZod().string().regex(OPENID, 'an openid is 1 to 64 letters, digits, _ or -');

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

const templateFields = () => {
  const z = loadZod();
  const value = z.string().max(1000);
  return {
    touser: openid(),
    template_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, 'a template_id is letters, digits, _ or -'),
    data: z.record(z.string().regex(/^[A-Za-z0-9_]{1,64}$/, 'a key is letters, digits or _'), z.union([value, z.strictObject({ value })])),
    miniprogram: z.strictObject({ appid: z.string().min(1).max(64), pagepath: z.string().max(1024).optional() }).optional(),
  };
};

export const templateSchema = onFirstUse(() => {
  const z = loadZod();
  return z.strictObject({ ...templateFields(), url: httpUrl().optional(), client_msg_id: z.string().min(1).max(64).optional() });
});

export const noticeSchema = onFirstUse(() => {
  const z = loadZod();
  return z.strictObject({ ...templateFields(), page: httpUrl().optional(), force: z.boolean().optional() });
});

export const customSchema = onFirstUse(() => {
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
  return z.strictObject({ touser: openid(), reply, force: z.boolean().optional() });
});

type TemplateBody = ReturnType<ReturnType<typeof templateSchema>['parse']>;
type NoticeBody = ReturnType<ReturnType<typeof noticeSchema>['parse']>;
type CustomBody = ReturnType<ReturnType<typeof customSchema>['parse']>;

/** `"<value>"` or `{ "value" }`, as the caller may give them: the plain values. */
const valuesOf = (data: TemplateBody['data']): Record<string, string> =>
  Object.fromEntries(Object.entries(data).map(([key, given]) => [key, typeof given === 'string' ? given : given.value]));

/** The values in WeChat's shape, `{ "value" }` each. */
const wrapped = (values: Record<string, string>): Record<string, { value: string }> =>
  Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }]));

/** A template message checked against the template's placeholders: the message as it will be sent. */
export async function checkedTemplate(body: TemplateBody, account: SendingAccount, field = ''): Promise<TemplateMessage> {
  const placeholders = await account.templates.placeholders(body.template_id);
  if (placeholders === undefined) {
    throw new InputError(`${field}template_id`, `${field}template_id: the account has no template ${body.template_id}`);
  }
  const values = valuesOf(body.data);
  const problems = checkTemplateData(placeholders, values);
  if (problems.length > 0) throw new InputError(`${field}data`, problems.map((problem) => field + problem).join('; '));
  return {
    touser: body.touser,
    template_id: body.template_id,
    data: wrapped(values),
    ...(body.url === undefined ? {} : { url: body.url }),
    ...(body.miniprogram === undefined ? {} : { miniprogram: body.miniprogram }),
    ...(body.client_msg_id === undefined ? {} : { client_msg_id: body.client_msg_id }),
  };
}

/** A notice checked against its template's keywords and their kinds' limits: the notice as it will be sent. */
export async function checkedNotice(
  body: NoticeBody,
  account: SendingAccount,
  field = '',
): Promise<{ message: NoticeMessage; template: NoticeCatalogTemplate; force: boolean }> {
  const template = await account.notices.find(body.template_id);
  if (template === undefined) {
    throw new InputError(`${field}template_id`, `${field}template_id: the account has no subscription-notice template ${body.template_id}`);
  }
  const values = valuesOf(body.data);
  const problems = checkTemplateData(template.placeholders, values, NOTICE_RULES);
  if (problems.length > 0) throw new InputError(`${field}data`, problems.map((problem) => field + problem).join('; '));
  const message: NoticeMessage = {
    touser: body.touser,
    template_id: body.template_id,
    data: wrapped(values),
    ...(body.page === undefined ? {} : { page: body.page }),
    ...(body.miniprogram === undefined ? {} : { miniprogram: body.miniprogram }),
  };
  return { message, template, force: body.force ?? false };
}

/** A customer-service message checked: the recipient, the reply, the messages it makes. */
export function checkedCustom(body: CustomBody): { touser: string; reply: CustomMessageReply; pieces: number; force: boolean } {
  const reply = body.reply as CustomMessageReply;
  const pieces = reply.type === 'text' ? splitText(reply.content).length : 1;
  // The webhook drops what is past the cap; a caller of its own is told instead.
  if (pieces > MAX_TEXT_PIECES) {
    throw new InputError(
      'reply.content',
      `reply.content: longer than ${MAX_TEXT_PIECES} customer-service messages of ${TEXT_LIMIT_BYTES} bytes`,
    );
  }
  return { touser: body.touser, reply, pieces, force: body.force ?? false };
}
