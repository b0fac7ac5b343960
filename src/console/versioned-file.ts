import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { writeFileAtomically } from '../core/write-file-atomically.js';

/**
 * A file the console edits (the replies file, the menu file), by version: its text and
 * the SHA-256 a save must name, so that two operators cannot overwrite each other.
 */
export interface FileVersion {
  readonly source: string;
  readonly hash: string;
}

export const hashOf = (source: string): string => createHash('sha256').update(source).digest('hex');

/** Where a save keeps the version it replaced: beside the file, one version back. */
export const previousVersionOf = (file: string): string => `${file}.previous`;

/** The file's text and hash; a file not there yet is empty. */
export async function readVersion(file: string): Promise<FileVersion> {
  let source: string;
  try {
    source = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    source = '';
  }
  return { source, hash: hashOf(source) };
}

/** One save of a file at a time in this process, so that two based on one version cannot both pass. */
const saving = new Map<string, Promise<void>>();

/**
 * Writes `source` (already checked by the caller) when the file is still the version
 * `baseHash` names: atomically, the version replaced kept as `<file>.previous`. Answers
 * the new hash, or `stale` with the hash the file has now.
 */
export function saveVersion(file: string, source: string, baseHash: string): Promise<{ readonly hash: string; readonly stale: boolean }> {
  const run = (saving.get(file) ?? Promise.resolve()).then(async () => {
    const current = await readVersion(file);
    if (current.hash !== baseHash) return { hash: current.hash, stale: true };
    if (current.source !== '') await writeFileAtomically(previousVersionOf(file), current.source);
    await writeFileAtomically(file, source);
    return { hash: hashOf(source), stale: false };
  });
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  saving.set(file, settled);
  void settled.then(() => {
    if (saving.get(file) === settled) saving.delete(file);
  });
  return run;
}
