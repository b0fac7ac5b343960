import type * as Zod from 'zod';
import type { z } from 'zod';
import { lazyRequire } from '../core/lazy-require.js';
import { KF_ACCOUNT } from '../protocol/reply-limits.js';
import type { Reply } from '../protocol/reply-types.js';
import { compileRuleRegex, replyUsesGroups } from './rule-regex.js';

/** zod: about 14 MiB resident, loaded only when a replies file is read. */
const loadZod = lazyRequire<typeof Zod>('zod');

export const REPLY_TYPES = [
  'text',
  'image',
  'voice',
  'video',
  'music',
  'news',
  'transfer_customer_service',
] as const satisfies readonly Reply['type'][];

/**
 * The replies file's schema: the console's auto-replies as data. A reply object has the
 * handler API's shape (src/protocol/reply-types.ts), where a `file` may stand for a `mediaId`;
 * `satisfies` below keeps the two in step.
 */
function buildSchemas(z: typeof Zod.z) {
  /** zod's message for a value of the wrong kind, or for a required one left out. */
  const orMissing =
    (message: string) =>
    (issue: { input?: unknown }): string =>
      issue.input === undefined ? 'is missing' : message;

  const text = (what: string) => z.string({ error: orMissing(`${what} must be text (put numbers in quotes)`) });

  const TEXT = z.strictObject({ type: z.literal('text'), content: text('content') });

  /** A media id, or a local `file` uploaded on first use (media-files.ts): one of the two. */
  const oneOf =
    (id: string, file: string) =>
    (reply: Record<string, unknown>, context: z.core.$RefinementCtx): void => {
      if (reply[id] !== undefined && reply[file] !== undefined) {
        context.addIssue({ code: 'custom', path: [file], message: `give ${id} or ${file}, not both` });
      } else if (reply[id] === undefined && reply[file] === undefined) {
        context.addIssue({ code: 'custom', path: [id], message: `is missing (or give a ${file} to upload)` });
      }
    };
  const MEDIA = { mediaId: text('mediaId').optional(), file: text('file').optional() };

  const IMAGE = z.strictObject({ type: z.literal('image'), ...MEDIA }).superRefine(oneOf('mediaId', 'file'));
  const VOICE = z.strictObject({ type: z.literal('voice'), ...MEDIA }).superRefine(oneOf('mediaId', 'file'));
  const VIDEO = z
    .strictObject({
      type: z.literal('video'),
      ...MEDIA,
      title: text('title').optional(),
      description: text('description').optional(),
    })
    .superRefine(oneOf('mediaId', 'file'));
  const MUSIC = z
    .strictObject({
      type: z.literal('music'),
      title: text('title').optional(),
      description: text('description').optional(),
      musicUrl: text('musicUrl').optional(),
      hqMusicUrl: text('hqMusicUrl').optional(),
      thumbMediaId: text('thumbMediaId').optional(),
      thumbFile: text('thumbFile').optional(),
    })
    .superRefine(oneOf('thumbMediaId', 'thumbFile'));
  const ARTICLE = z.strictObject({
    title: text('title'),
    description: text('description').optional(),
    picUrl: text('picUrl').optional(),
    url: text('url').optional(),
  });
  const NEWS = z.strictObject({
    type: z.literal('news'),
    articles: z.array(ARTICLE, { error: 'articles must be a list' }).min(1, { error: 'a news reply needs at least one article' }).max(8, {
      error: 'WeChat shows at most 8 articles',
    }),
  });

  /** A hand-over to the human agents: any of them, or the one `kfAccount` names. */
  const TRANSFER = z.strictObject({
    type: z.literal('transfer_customer_service'),
    kfAccount: text('kfAccount')
      .regex(KF_ACCOUNT, {
        error:
          'kfAccount is an agent’s full account, name@account-id: a name of at most 10 letters, digits or _, then @ and the account’s WeChat ID',
      })
      .optional(),
  });

  const REPLY_OBJECT = z.discriminatedUnion('type', [TEXT, IMAGE, VOICE, VIDEO, MUSIC, NEWS, TRANSFER], {
    error: `type must be one of ${REPLY_TYPES.join(', ')}`,
  });

  /** A reply as the file writes it: text, `null` (no reply), or a reply object. */
  const FILE_REPLY = z.union([z.string(), z.null(), REPLY_OBJECT], {
    error: orMissing('a reply is text, null (no reply), or an object with a type'),
  });

  const NEEDLES = z.union(
    [
      text('the keyword').min(1, { error: 'a keyword must not be empty' }),
      z.array(text('a keyword').min(1, { error: 'a keyword must not be empty' })).min(1, { error: 'needs at least one keyword' }),
    ],
    {
      error: 'keywords are text or a list of text (put numbers in quotes)',
    },
  );

  const RULE = z
    .strictObject({
      exact: NEEDLES.optional(),
      contains: NEEDLES.optional(),
      regex: text('regex').optional(),
      reply: FILE_REPLY,
    })
    .superRefine((rule, context) => {
      const kinds = (['exact', 'contains', 'regex'] as const).filter((kind) => rule[kind] !== undefined);
      if (kinds.length !== 1) {
        context.addIssue({
          code: 'custom',
          message:
            kinds.length === 0
              ? 'a rule needs one of exact, contains or regex'
              : `a rule has exactly one of exact, contains or regex, not ${kinds.join(' and ')}`,
        });
      }
      if (rule.regex !== undefined) {
        try {
          compileRuleRegex(rule.regex, { groups: replyUsesGroups(rule.reply) });
        } catch (error) {
          context.addIssue({ code: 'custom', path: ['regex'], message: (error as Error).message });
        }
      }
    });

  const BY_KEY = (what: string) => z.record(z.string(), FILE_REPLY, { error: `${what} maps names to replies` });

  const REPLIES_FILE = z.strictObject(
    {
      subscribe: FILE_REPLY.optional(),
      scenes: BY_KEY('scenes').optional(),
      keywords: z.array(RULE, { error: 'keywords is a list of rules' }).optional(),
      click: BY_KEY('click').optional(),
      message: FILE_REPLY.optional(),
    },
    { error: 'the file must be a mapping of subscribe, scenes, keywords, click and message' },
  );
  return { FILE_REPLY, RULE, REPLIES_FILE };
}

type Schemas = ReturnType<typeof buildSchemas>;
let schemas: Schemas | undefined;

/** The schemas, built (and zod loaded) on first use. */
export function repliesFileSchemas(): Schemas {
  return (schemas ??= buildSchemas(loadZod().z));
}

/** Compiling turns each object into a `Reply` (media-files.ts), so tsc checks the two shapes agree. */
export type FileReply = z.infer<Schemas['FILE_REPLY']>;
export type FileReplyObject = Exclude<FileReply, string | null>;
export type KeywordRule = z.infer<Schemas['RULE']>;
export type RepliesFileData = z.infer<Schemas['REPLIES_FILE']>;
