import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/**
 * Writes `text` to `file` so that a reader sees either the old file or the whole new one:
 * the text goes to a new temporary file beside it (same directory, so the same file
 * system), flushed to disk, then renamed over `file`. On any failure the temporary file
 * is removed and `file` is left as it was. `mode` is the new file's (the umask applies).
 */
export async function writeFileAtomically(file: string, text: string, mode?: number): Promise<void> {
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  // Created exclusively ('wx'): never an existing file, nor a link planted at that name.
  // With `mode` (0o600 for a file of secrets), the new file never exists with a wider one.
  const handle = await open(temporary, 'wx', mode);
  try {
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
}
