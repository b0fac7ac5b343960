import { z } from 'zod';

/**
 * The menu file: WeChat's own `menu/create` JSON, plus `conditional` for the
 * personalised menus (`menu/addconditional`). Every limit WeChat checks is a rule here,
 * so that a file that passes costs no errcode.
 * https://developers.weixin.qq.com/doc/service/api/custommenu/api_createcustommenu
 */

/** WeChat's limits, in bytes of UTF-8 (a Chinese character is 3). */
export const LIMITS = {
  topLevelButtons: 3,
  subButtons: 5,
  topLevelNameBytes: 16,
  subNameBytes: 60,
  keyBytes: 128,
  urlBytes: 1024,
} as const;

/** The types that send an event with the button's `key`. */
export const KEY_TYPES = [
  'click',
  'scancode_push',
  'scancode_waitmsg',
  'pic_sysphoto',
  'pic_photo_or_album',
  'pic_weixin',
  'location_select',
] as const;
export const BUTTON_TYPES = [...KEY_TYPES, 'view', 'miniprogram', 'media_id', 'article_id', 'article_view_limited'] as const;

/** Matchrule fields WeChat refuses since its privacy change (errcode 65320). */
export const PRIVATE_MATCHRULE_FIELDS = ['sex', 'country', 'province', 'city', 'language'] as const;

/** A non-empty string of at most `limit` bytes of UTF-8. */
function text(limit: number, where = '') {
  return z.string().check((ctx) => {
    const bytes = Buffer.byteLength(ctx.value);
    if (bytes === 0) ctx.issues.push({ code: 'custom', message: 'is empty', input: ctx.value });
    else if (bytes > limit) {
      ctx.issues.push({ code: 'custom', message: `is ${bytes} bytes of UTF-8, over the ${limit} allowed${where}`, input: ctx.value });
    }
  });
}

const url = text(LIMITS.urlBytes).check((ctx) => {
  let protocol = '';
  try {
    protocol = new URL(ctx.value).protocol;
  } catch {
    // not a URL: reported below
  }
  if (protocol !== 'http:' && protocol !== 'https:') {
    ctx.issues.push({ code: 'custom', message: 'must be an http:// or https:// URL', input: ctx.value });
  }
});

const noSubButton = z.never({ error: 'a button with a type has no sub_button (leave it out, or drop the type)' }).optional();

/** The leaf buttons, one schema per type; `name` has the level's limit. */
function leafButtons(nameBytes: number, where: string) {
  const name = text(nameBytes, where);
  const key = text(LIMITS.keyBytes);
  const id = text(Infinity);
  return [
    z.strictObject({ type: z.enum(KEY_TYPES), name, key, sub_button: noSubButton }),
    z.strictObject({ type: z.literal('view'), name, url, sub_button: noSubButton }),
    z.strictObject({ type: z.literal('miniprogram'), name, url, appid: id, pagepath: id, sub_button: noSubButton }),
    z.strictObject({ type: z.literal('media_id'), name, media_id: id, sub_button: noSubButton }),
    z.strictObject({ type: z.enum(['article_id', 'article_view_limited']), name, article_id: id, sub_button: noSubButton }),
  ] as const;
}

function typeProblem(input: unknown, withoutType: string): string {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return 'must be an object';
  const { type } = input as { type?: unknown };
  if (type === undefined) return withoutType;
  return `has an unknown type ${JSON.stringify(type)}: one of ${BUTTON_TYPES.join(', ')}`;
}

const subButton = z.discriminatedUnion('type', leafButtons(LIMITS.subNameBytes, ' in a sub-menu'), {
  error: (issue) => typeProblem(issue.input, 'has no type: a button in a sub-menu needs one'),
});

const isArray = (payload: { value: unknown }): boolean => Array.isArray(payload.value);

/** An array of `min`–`max` items, checked even when an item has problems of its own. */
function list<T extends z.ZodType>(item: T, min: number, max: number, what: string) {
  return z.array(item).refine((items) => items.length >= min && items.length <= max, {
    error: (issue) => `has ${(issue.input as unknown[]).length} ${what}: WeChat takes ${min} to ${max}`,
    when: isArray,
  });
}

const where = ` at the top level (${LIMITS.subNameBytes} in a sub-menu)`;
const isObject = (payload: { value: unknown }): boolean => typeof payload.value === 'object' && payload.value !== null;

/** A top-level button that opens a sub-menu. */
const menuButton = z
  .strictObject({
    type: z.undefined().optional(),
    name: text(LIMITS.topLevelNameBytes, where),
    sub_button: list(subButton, 1, LIMITS.subButtons, 'buttons').optional(),
  })
  .refine((button) => button.sub_button !== undefined, {
    error: 'has no type and no sub_button: give it one or the other',
    when: isObject,
  });

const topLevelButton = z.discriminatedUnion('type', [...leafButtons(LIMITS.topLevelNameBytes, where), menuButton], {
  error: (issue) => typeProblem(issue.input, 'has no type and no sub_button'),
});

const buttons = list(topLevelButton, 1, LIMITS.topLevelButtons, 'top-level buttons');

const matchValue = z.union([z.string(), z.number()], { error: 'must be a string' });
const matchrule = z
  .strictObject({
    tag_id: matchValue.optional(),
    client_platform_type: matchValue.optional(),
    sex: matchValue.optional(),
    country: matchValue.optional(),
    province: matchValue.optional(),
    city: matchValue.optional(),
    language: matchValue.optional(),
  })
  .check((ctx) => {
    const present = Object.entries(ctx.value).filter(([, value]) => value !== undefined && value !== '');
    if (present.length === 0) {
      ctx.issues.push({ code: 'custom', message: 'has no field: give at least tag_id or client_platform_type', input: ctx.value });
    }
    for (const [field] of present) {
      if ((PRIVATE_MATCHRULE_FIELDS as readonly string[]).includes(field)) {
        ctx.issues.push({
          code: 'custom',
          path: [field],
          message: 'is refused by WeChat since its privacy change (errcode 65320): match on tag_id or client_platform_type',
          input: ctx.value,
        });
      }
    }
  });

export const conditionalMenuSchema = z.strictObject({ button: buttons, matchrule });

export const menuFileSchema = z.strictObject({
  button: buttons,
  conditional: z.array(conditionalMenuSchema).optional(),
});

export type MenuFile = z.infer<typeof menuFileSchema>;
export type ConditionalMenu = z.infer<typeof conditionalMenuSchema>;
export type MenuButton = MenuFile['button'][number];
export type MatchRule = ConditionalMenu['matchrule'];
