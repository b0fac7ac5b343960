import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from 'pino';
import type { AccountSet } from '../accounts/account-set.js';
import type { Account } from '../accounts/account.js';
import { InputError } from '../core/errors.js';
import { checkMenuValue, compareWithWeChat, pushMenuFile, readMenuFile, saveMenuFile } from './menu-editor.js';
import type { AccountOf } from '../http/account-of.js';
import { messageRoutes } from '../http/service-api/messages.js';
import { loadZod, onFirstUse, readJson } from '../http/service-api/read-json.js';
import { noticeTemplatesRoute, templatesRoute } from '../http/service-api/templates.js';
import { userRoutes } from '../http/service-api/users.js';
import { articleRoutes } from '../http/service-api/articles.js';
import { sendingAccount, type SendingAccount } from '../http/service-api/sending-account.js';
import { requireCsrf, sessionOf } from './console-access.js';
import type { InstanceRegistry } from './instances.js';
import { LIVE_PER_SECOND, type LiveFeed, type LiveMessage } from './live-feed.js';
import type { Overview } from './overview.js';
import { checkReplies, previewReply, saveReplies } from './replies-editor.js';
import { readVersion } from './versioned-file.js';

/** A replies file is tens of kilobytes; the checker bounds what it parses at 4 MiB. */
const JSON_LIMIT = '1mb';
/** A comment line on the live stream this often, so that proxies keep an idle stream open. */
const HEARTBEAT_MS = 25_000;

export interface ConsoleApiOptions {
  readonly accounts: AccountSet;
  readonly accountOf: AccountOf;
  readonly overviewOf: (account: Account, accounts: number) => Promise<Overview>;
  readonly liveFeed: LiveFeed;
  readonly instances: InstanceRegistry;
  readonly fallbackReply: string;
  /** Where the publishing page finds the article files (ARTICLES_DIR). */
  readonly articlesDir: string;
  readonly logger: Logger;
}

const schemas = onFirstUse(() => {
  const z = loadZod();
  const source = z.string().max(4 * 1024 * 1024);
  return {
    check: z.strictObject({ source }),
    preview: z.strictObject({
      source,
      message: z.discriminatedUnion('type', [
        z.strictObject({ type: z.literal('text'), content: z.string().min(1).max(2048) }),
        z.strictObject({ type: z.literal('event'), event: z.literal('subscribe') }),
      ]),
    }),
    save: z.strictObject({ source, baseHash: z.string().regex(/^[0-9a-f]{64}$/) }),
    // The menu as JSON; its rules are the menu checker's (menu/check.ts), which names every problem.
    menu: z.strictObject({ menu: z.unknown() }),
    saveMenu: z.strictObject({ menu: z.unknown(), baseHash: z.string().regex(/^[0-9a-f]{64}$/) }),
    push: z.strictObject({ hash: z.string().regex(/^[0-9a-f]{64}$/) }),
  };
});

/** The accounts a session may see: every one for ADMIN_TOKEN, its own for an account key. */
function visibleAccounts(res: Response, accounts: AccountSet): readonly Account[] {
  const own = sessionOf(res).account;
  return own === undefined ? accounts.all() : accounts.all().filter((account) => account.name === own);
}

/** The account's menu file, or a 400 saying it has none to edit. */
function menuFileOf(account: Account): string {
  const file = account.settings.menuFile;
  if (file === undefined) throw new InputError('account', `account ${account.name} has no menu file (menu_file in ACCOUNTS_FILE)`);
  return file;
}

/** The account's replies file, or a 400 saying it has none to edit. */
function repliesFileOf(account: Account): string {
  const file = account.settings.repliesFile;
  if (file === undefined) throw new InputError('account', `account ${account.name} has no replies file (REPLIES_FILE or replies_file)`);
  return file;
}

/** `/console/api/*`: the data of the console's pages, for a signed-in session (console-routes.ts checks it first). */
export function consoleApi({
  accounts,
  accountOf,
  overviewOf,
  liveFeed,
  instances,
  fallbackReply,
  articlesDir,
  logger,
}: ConsoleApiOptions): Router {
  const router = express.Router();
  router.use(express.json({ limit: JSON_LIMIT }));

  router.get('/session', (_req: Request, res: Response) => {
    const session = sessionOf(res);
    res.set('Cache-Control', 'no-store').json({
      key: session.key,
      accounts: visibleAccounts(res, accounts).map((account) => ({ name: account.name, appId: account.appId ?? null })),
      csrfToken: session.csrf,
    });
  });

  router.get('/overview', async (req: Request, res: Response) => {
    res.set('Cache-Control', 'no-store').json(await overviewOf(accountOf(req), accounts.all().length));
  });

  router.get('/live', (req: Request, res: Response) => {
    const named = typeof req.query.account === 'string' || req.headers['x-wechat-account'] !== undefined;
    const watched = named ? [accountOf(req)] : visibleAccounts(res, accounts);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      'X-Content-Type-Options': 'nosniff',
    });
    res.write(': live\n\n');
    // A watcher that cannot take more (its socket's buffer full) misses messages until it drains.
    let congested = false;
    res.on('drain', () => (congested = false));
    const send = (message: LiveMessage): void => {
      if (congested) return;
      congested = !res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
    };
    const skipped = (count: number): void => {
      if (!congested) congested = !res.write(`event: skipped\ndata: ${JSON.stringify({ count, perSecond: LIVE_PER_SECOND })}\n\n`);
    };
    const stop = liveFeed.watch({ accounts: new Set(watched.map((account) => account.name)), send, skipped });
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    res.on('close', () => {
      clearInterval(heartbeat);
      stop();
    });
  });

  router.get('/replies', async (req: Request, res: Response) => {
    const account = accountOf(req);
    const file = account.settings.repliesFile;
    const read = file === undefined ? { source: '', hash: '' } : await readVersion(file);
    res.set('Cache-Control', 'no-store').json({ file: file ?? null, ...read });
  });

  // Which version of the replies file each instance serves, against the file on disk.
  router.get('/instances', async (req: Request, res: Response) => {
    const account = accountOf(req);
    const file = account.settings.repliesFile;
    const onDisk = file === undefined ? null : (await readVersion(file)).hash;
    res.set('Cache-Control', 'no-store').json({ file: file ?? null, onDisk, instances: await instances.list(account) });
  });

  router.post('/replies/check', requireCsrf, (req: Request, res: Response) => {
    const account = accountOf(req);
    const { source } = readJson(req, schemas().check);
    res.json({ problems: checkReplies(source, repliesFileOf(account)) });
  });

  router.post('/replies/preview', requireCsrf, async (req: Request, res: Response) => {
    const account = accountOf(req);
    const { source, message } = readJson(req, schemas().preview);
    res.json(await previewReply(source, repliesFileOf(account), message, fallbackReply));
  });

  router.put('/replies', requireCsrf, async (req: Request, res: Response) => {
    const account = accountOf(req);
    const file = repliesFileOf(account);
    const { source, baseHash } = readJson(req, schemas().save);
    const result = await saveReplies(file, source, baseHash);
    const who = { key: sessionOf(res).key, account: account.name, file };
    if (result.saved) {
      logger.info({ ...who, hash: result.hash }, 'console: replies file saved');
      res.json({ hash: result.hash });
    } else if ('stale' in result) {
      res
        .status(409)
        .json({ error: 'the replies file changed since it was loaded: reload it, then make the change again', hash: result.hash });
    } else {
      res.status(400).json({ error: 'the replies file does not validate: nothing was written', problems: result.problems });
    }
  });

  // Send (template or customer-service message), each checked first without sending, and the users' profiles:
  // the routes of /api, acting as the session's key (its account only for an account key).
  const sending = (req: Request): SendingAccount => sendingAccount(accountOf(req));
  const messages = messageRoutes(sending, logger);
  const users = userRoutes(sending);
  router.get(
    '/templates',
    templatesRoute((req) => sending(req).templates),
  );
  router.get('/users/:openid', users.one);
  router.get('/users/:openid/reach', users.reachInDetail);
  router.post('/send/template/check', requireCsrf, messages.checkTemplate);
  router.post('/send/template', requireCsrf, messages.template);
  router.post('/send/custom/check', requireCsrf, messages.checkCustom);
  router.post('/send/custom', requireCsrf, messages.custom);
  router.get(
    '/notices',
    noticeTemplatesRoute((req) => sending(req).notices),
  );
  router.post('/send/subscribe/check', requireCsrf, messages.checkSubscribe);
  router.post('/send/subscribe', requireCsrf, messages.subscribe);

  // Publishing: /api/articles's routes, acting as the session's key; every change carries the CSRF token.
  router.use(
    '/articles',
    (req: Request, res: Response, next: NextFunction) => (req.method === 'GET' ? next() : requireCsrf(req, res, next)),
    articleRoutes(accountOf, articlesDir, logger),
  );

  router.get('/menu', async (req: Request, res: Response) => {
    const account = accountOf(req);
    const file = account.settings.menuFile;
    const read = file === undefined ? undefined : await readMenuFile(file);
    res.set('Cache-Control', 'no-store').json({ file: file ?? null, ...(read ?? { source: '', hash: '', menu: null, problems: [] }) });
  });

  router.post('/menu/check', requireCsrf, async (req: Request, res: Response) => {
    accountOf(req);
    const { menu } = readJson(req, schemas().menu);
    res.json({ problems: await checkMenuValue(menu) });
  });

  router.post('/menu/diff', requireCsrf, async (req: Request, res: Response) => {
    const account = accountOf(req);
    const { menu } = readJson(req, schemas().menu);
    res.json(await compareWithWeChat(sendingAccount(account).api.client, menu));
  });

  router.put('/menu', requireCsrf, async (req: Request, res: Response) => {
    const account = accountOf(req);
    const file = menuFileOf(account);
    const { menu, baseHash } = readJson(req, schemas().saveMenu);
    const result = await saveMenuFile(file, menu, baseHash);
    if (result.saved) {
      logger.info({ key: sessionOf(res).key, account: account.name, file, hash: result.hash }, 'console: menu file saved');
      res.json({ hash: result.hash });
    } else if ('stale' in result) {
      res
        .status(409)
        .json({ error: 'the menu file changed since it was loaded: reload it, then make the change again', hash: result.hash });
    } else {
      res.status(400).json({ error: 'the menu does not pass the checks: nothing was written', problems: result.problems });
    }
  });

  router.post('/menu/push', requireCsrf, async (req: Request, res: Response) => {
    const account = accountOf(req);
    const file = menuFileOf(account);
    const { hash } = readJson(req, schemas().push);
    const client = sendingAccount(account).api.client;
    const result = await pushMenuFile(client, file, hash);
    if (!result.pushed) {
      const error =
        result.reason === 'stale'
          ? 'the menu file changed since you confirmed it: look at it again before pushing'
          : 'the menu file does not pass the checks: fix and save it first';
      res.status(409).json({ error });
      return;
    }
    logger.info({ key: sessionOf(res).key, account: account.name, file, hash }, 'console: menu pushed to WeChat');
    res.json({ pushed: true, steps: result.steps });
  });

  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });
  return router;
}
