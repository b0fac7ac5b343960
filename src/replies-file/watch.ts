import { readFileSync, unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../core/errors.js';
import type { InboundMessage } from '../protocol/message-types.js';
import type { HandlerResult } from '../replies/router.js';
import { compileReplies, type CompiledReplies } from './compile.js';
import { parseReplies } from './load.js';
import type { MediaIds } from './media-files.js';

export interface LiveReplies {
  /** The replies file's answer, from the version in force when the message arrived. */
  replyTo(message: InboundMessage, media?: MediaIds): HandlerResult | Promise<HandlerResult>;
  /** The local files the version in force uploads (see CompiledReplies). */
  mediaFiles(): readonly string[];
  /** Stops watching the file. */
  close(): void;
}

export interface WatchOptions {
  /** How long the file must be quiet before it is read again (editors write in steps). */
  readonly debounceMs?: number;
  /** The backstop poll, for file systems whose change events are unreliable. */
  readonly pollMs?: number;
}

type Read = { readonly source: string } | { readonly missing: true };

function read(file: string): Read {
  try {
    return { source: readFileSync(file, 'utf8') };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { missing: true };
    throw error;
  }
}

/** Loads the file at start-up: a ConfigError with one line when it does not validate. */
function loadAtStart(file: string, source: string): CompiledReplies {
  const loaded = parseReplies(source, file);
  if (loaded.ok) return compileReplies(loaded.data);
  const [first, ...more] = loaded.problems;
  const rest = more.length === 0 ? '' : ` (and ${more.length} more: npm run replies -- check ${file})`;
  throw new ConfigError('REPLIES_FILE', `${first}${rest}`);
}

/**
 * Serves the replies file and keeps it current. The file and its directory are watched
 * (editors save by writing a new file and renaming it over the old one); once changes
 * have settled the file is read again. A version that validates replaces the compiled
 * replies in one assignment, so a message sees one version whole; one that does not is
 * logged and ignored; a deleted file hands every message back to the default rules.
 */
export function watchRepliesFile(file: string, logger: Logger, options: WatchOptions = {}): LiveReplies {
  const { debounceMs = 150, pollMs = 1000 } = options;
  const path = resolve(file);
  const first = read(path);
  let current: CompiledReplies | undefined = 'source' in first ? loadAtStart(file, first.source) : undefined;
  let lastSource: string | undefined = 'source' in first ? first.source : undefined;
  if (current !== undefined) logger.info({ file, replies: current.summary }, 'replies file loaded');

  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function reload(): void {
    timer = undefined;
    if (closed) return;
    let now: Read;
    try {
      now = read(path);
    } catch (error) {
      logger.error({ file, err: (error as Error).message }, 'replies file could not be read; the previous replies stay in force');
      return;
    }
    if ('missing' in now) {
      if (lastSource === undefined) return;
      lastSource = undefined;
      current = undefined;
      logger.info({ file }, 'replies file deleted: the default rules answer');
      return;
    }
    if (now.source === lastSource) return;
    lastSource = now.source;
    let next: CompiledReplies;
    try {
      const loaded = parseReplies(now.source, file);
      if (!loaded.ok) {
        logger.error(
          { file, problems: loaded.problems },
          `replies file not applied, the previous replies stay in force: ${loaded.problems[0] ?? 'invalid'}`,
        );
        return;
      }
      next = compileReplies(loaded.data);
    } catch (error) {
      // Not expected (parseReplies reports what it finds as problems), but a reload must
      // never take the server down: the previous replies stay.
      logger.error({ file, err: (error as Error).message }, 'replies file not applied, the previous replies stay in force');
      return;
    }
    current = next;
    logger.info({ file, replies: current.summary }, 'replies file reloaded');
  }

  function changed(): void {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(reload, debounceMs);
    timer.unref();
  }

  let directory: FSWatcher | undefined;
  try {
    const name = basename(path);
    directory = watch(dirname(path), { persistent: false }, (_event, changedName) => {
      if (changedName === null || changedName === name) changed();
    });
    directory.on('error', (error) =>
      logger.warn({ file, err: error.message }, 'watching the replies file’s directory failed; polling only'),
    );
  } catch (error) {
    logger.warn({ file, err: (error as Error).message }, 'cannot watch the replies file’s directory; polling only');
  }
  const polled = (now: Stats, before: Stats): void => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) changed();
  };
  watchFile(path, { persistent: false, interval: pollMs }, polled);

  return {
    replyTo: (message, media) => current?.replyTo(message, media),
    mediaFiles: () => current?.mediaFiles ?? [],
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      directory?.close();
      unwatchFile(path, polled);
    },
  };
}
