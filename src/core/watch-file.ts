import { unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Logger } from 'pino';

export interface WatchOptions {
  /** How long the file must be quiet before `settled` is called (editors write in steps). */
  readonly debounceMs?: number;
  /** The backstop poll, for file systems whose change events are unreliable. */
  readonly pollMs?: number;
}

/**
 * Calls `settled` once changes to `file` have settled: written, replaced, created or
 * deleted. The file's directory is watched (editors save by writing a new file and
 * renaming it over the old one), and the file polled as a backstop. `what` names the
 * file in the log ("the replies file").
 */
export function watchFileChanges(
  file: string,
  settled: () => void,
  logger: Logger,
  what: string,
  options: WatchOptions = {},
): { close(): void } {
  const { debounceMs = 150, pollMs = 1000 } = options;
  const path = resolve(file);
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  function changed(): void {
    if (closed) return;
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!closed) settled();
    }, debounceMs);
    timer.unref();
  }

  let directory: FSWatcher | undefined;
  try {
    const name = basename(path);
    directory = watch(dirname(path), { persistent: false }, (_event, changedName) => {
      if (changedName === null || changedName === name) changed();
    });
    directory.on('error', (error) => logger.warn({ file, err: error.message }, `watching ${what}’s directory failed; polling only`));
  } catch (error) {
    logger.warn({ file, err: (error as Error).message }, `cannot watch ${what}’s directory; polling only`);
  }
  const polled = (now: Stats, before: Stats): void => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) changed();
  };
  watchFile(path, { persistent: false, interval: pollMs }, polled);

  return {
    close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      directory?.close();
      unwatchFile(path, polled);
    },
  };
}
