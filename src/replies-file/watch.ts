import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { watchFileChanges, type WatchOptions } from '../core/watch-file.js';
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
  /** The SHA-256 (hex) of the version in force; undefined while the file is missing. */
  version(): string | undefined;
  /** Stops watching the file. */
  close(): void;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

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
  const path = resolve(file);
  const first = read(path);
  let current: CompiledReplies | undefined = 'source' in first ? loadAtStart(file, first.source) : undefined;
  let lastSource: string | undefined = 'source' in first ? first.source : undefined;
  // The version in force: the last source that validated (one that did not leaves it).
  let applied: string | undefined = lastSource === undefined ? undefined : sha256(lastSource);
  if (current !== undefined) logger.info({ file, replies: current.summary }, 'replies file loaded');

  let closed = false;

  function reload(): void {
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
      applied = undefined;
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
    applied = sha256(now.source);
    logger.info({ file, replies: current.summary }, 'replies file reloaded');
  }

  const watcher = watchFileChanges(path, reload, logger, 'the replies file', options);

  return {
    replyTo: (message, media) => current?.replyTo(message, media),
    mediaFiles: () => current?.mediaFiles ?? [],
    version: () => applied,
    close() {
      closed = true;
      watcher.close();
    },
  };
}
