import { readdir } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Logger } from 'pino';
import type { AccountOf } from '../account-of.js';
import { ArticleError } from '../../articles/article-error.js';
import { AudienceError, openidsOf, parseAudience, type Audience } from '../../articles/audience.js';
import { describeStatus } from '../../articles/publishing-lines.js';
import { explainPublishingErrcode } from '../../articles/publishing-errcodes.js';
import { ArticleProblemsError, checkArticle, PublishingRefusedError, type Publisher, type Target } from '../../articles/publisher.js';
import { ApiNotConfiguredError, InputError, WeChatApiError } from '../../core/errors.js';
import { OPENID } from './openid-rules.js';
import { loadZod, onFirstUse, readJson } from './read-json.js';
import { logWrite } from './write-log.js';

/** The HTTP status of WeChat's refusals of publishing: whose the problem is, and whether waiting helps. */
const REFUSAL_STATUS: Readonly<Record<number, number>> = {
  48001: 403,
  45028: 409,
  45065: 409,
  45066: 429,
  45009: 429,
  40007: 404,
  45106: 410,
  45166: 422,
  40130: 400,
  53600: 404,
};

const MEDIA_ID = /^[A-Za-z0-9_-]{1,128}$/;
/** How many article files a listing shows: a repository of articles has tens. */
export const ARTICLES_LISTED_MAX = 500;

/** The Markdown files under `root` (its subfolders too, not hidden ones), relative to it, sorted; at most ARTICLES_LISTED_MAX. */
async function markdownFiles(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((entry) => entry.isFile() && /\.(md|markdown)$/i.test(entry.name))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)))
    .filter((file) => !file.split(/[\\/]/).some((part) => part.startsWith('.')))
    .sort()
    .slice(0, ARTICLES_LISTED_MAX);
}

const targetFields = onFirstUse(() => {
  const z = loadZod();
  return {
    file: z.string().min(1).max(1024).optional(),
    media_id: z.string().regex(MEDIA_ID, 'a media_id').optional(),
  };
});
const fileSchema = onFirstUse(() => loadZod().strictObject({ file: loadZod().string().min(1).max(1024) }));
const targetSchema = onFirstUse(() => loadZod().strictObject(targetFields()));
const previewSchema = onFirstUse(() => loadZod().strictObject({ ...targetFields(), to: loadZod().string().regex(OPENID, 'an openid') }));
const massSchema = onFirstUse(() => {
  const z = loadZod();
  return z.strictObject({
    ...targetFields(),
    to: z.union([z.literal('all'), z.string().regex(/^tag:\d{1,10}$/, 'all, tag:<id> or a list of openids'), z.array(z.string()).min(1)]),
    again: z.boolean().optional(),
    allow_reprint: z.boolean().optional(),
  });
});

/**
 * `/api/articles/*`: what `npm run articles` does, for services. Files are named relative
 * to ARTICLES_DIR (a path that leaves it is refused); the rails are the command's: a mass
 * send needs a preview of the same content and is made once.
 */
export function articleRoutes(account: AccountOf, articlesDir: string, logger: Logger): Router {
  const root = resolve(articlesDir);

  /** The file named, within ARTICLES_DIR, or an InputError naming `file`. */
  function fileIn(name: string): string {
    const path = resolve(root, name);
    const inside = relative(root, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside) || name.includes('\0')) {
      throw new InputError('file', 'file: a path within ARTICLES_DIR');
    }
    if (!/\.(md|markdown)$/i.test(path)) throw new InputError('file', 'file: a Markdown file (.md)');
    return path;
  }

  function targetOf(body: { file?: string | undefined; media_id?: string | undefined }): Target {
    if ((body.file === undefined) === (body.media_id === undefined)) throw new InputError('file', 'file or media_id: one of the two');
    return body.file !== undefined ? { file: fileIn(body.file) } : { mediaId: body.media_id ?? '' };
  }

  function publisherOf(req: Request): Publisher {
    const publisher = account(req).publishing?.publisher;
    if (publisher === undefined) throw new ApiNotConfiguredError(`account ${account(req).name} needs an AppID and AppSecret to publish`);
    return publisher;
  }

  const route = (req: Request, pattern: string): string => `${req.method} ${req.baseUrl}${pattern}`;
  const router = Router();

  /** GET /api/articles: each article file with its title, problems and draft. */
  router.get('/', async (req, res) => {
    const publisher = publisherOf(req);
    const articles = [];
    for (const file of await markdownFiles(root)) {
      try {
        const state = await publisher.state(join(root, file));
        articles.push({
          file,
          title: state.title,
          problems: state.problems,
          draft: state.draft === undefined ? null : { media_id: state.draft.mediaId, at: state.draft.at, current: state.draft.current },
          previewed: state.previewed,
        });
      } catch (error) {
        if (!(error instanceof ArticleError)) throw error;
        articles.push({ file, title: null, problems: [error.message.replaceAll(root, 'ARTICLES_DIR')], draft: null, previewed: false });
      }
    }
    res.json({ articles });
  });

  router.post('/check', async (req, res) => {
    const { file } = readJson(req, fileSchema());
    const { problems, html } = await checkArticle(fileIn(file));
    res.json({ problems, characters: [...html].length });
  });

  router.post('/draft', async (req, res) => {
    const { file } = readJson(req, fileSchema());
    const result = await publisherOf(req).draft(fileIn(file));
    logWrite(logger, res, route(req, '/draft'));
    res.json({
      media_id: result.mediaId,
      action: result.action,
      images_uploaded: result.imagesUploaded,
      images_reused: result.imagesReused,
      cover_uploaded: result.coverUploaded,
    });
  });

  router.post('/submit', async (req, res) => {
    const target = targetOf(readJson(req, targetSchema()));
    const { publishId, mediaId } = await publisherOf(req).submit(target);
    logWrite(logger, res, route(req, '/submit'));
    res.json({ publish_id: publishId, media_id: mediaId });
  });

  router.post('/preview', async (req, res) => {
    const body = readJson(req, previewSchema());
    const { mediaId } = await publisherOf(req).preview(targetOf(body), body.to);
    logWrite(logger, res, route(req, '/preview'), { openid: body.to });
    res.json({ media_id: mediaId });
  });

  router.post('/mass', async (req, res) => {
    const body = readJson(req, massSchema());
    const target = targetOf(body);
    const audience: Audience = Array.isArray(body.to)
      ? { kind: 'openids', openids: openidsOf(body.to.join('\n'), 'to') }
      : await parseAudience(body.to, () => Promise.reject(new AudienceError('to: all, tag:<id> or a list of openids')));
    const sent = await publisherOf(req).mass(target, audience, { again: body.again ?? false, allowReprint: body.allow_reprint ?? false });
    logWrite(logger, res, route(req, '/mass'), audience.kind === 'openids' ? { openids: audience.openids.length } : {});
    res.json({ msg_ids: sent.msgIds, clientmsgids: sent.clientMsgIds });
  });

  router.get('/status/:id', async (req, res) => {
    const id = String(req.params.id);
    if (!MEDIA_ID.test(id)) throw new InputError('id', 'id: a publish_id or msg_id');
    const report = await publisherOf(req).status(id);
    if (report === undefined) {
      res.status(404).json({ error: `id: no publish or mass send with this id is recorded for this account` });
      return;
    }
    res.json({ ...report, lines: describeStatus(report) });
  });

  // Publishing's own failures; anything else goes on to /api's error middleware.
  router.use(function articleFailure(error: unknown, _req: Request, res: Response, next: NextFunction) {
    if (error instanceof ArticleProblemsError) {
      res.status(422).json({ error: 'the article has problems WeChat would refuse', problems: error.problems });
    } else if (error instanceof ArticleError) {
      res.status(422).json({ error: error.message.replaceAll(root, 'ARTICLES_DIR'), field: 'file' });
    } else if (error instanceof PublishingRefusedError) {
      res.status(409).json({ error: error.message.replaceAll(root, 'ARTICLES_DIR'), reason: error.reason });
    } else if (error instanceof AudienceError) {
      res.status(400).json({ error: error.message, field: 'to' });
    } else if (error instanceof WeChatApiError && REFUSAL_STATUS[error.errcode] !== undefined) {
      if (error.errcode === 45066) res.set('Retry-After', '60');
      res.status(REFUSAL_STATUS[error.errcode] ?? 502).json({
        error: explainPublishingErrcode(error.errcode) ?? 'WeChat refused',
        errcode: error.errcode,
        errmsg: error.errmsg,
      });
    } else {
      next(error);
    }
  });
  return router;
}
