import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';

/** Who a mass send goes to: every follower, one tag's followers, or the openids a file lists. */
export type Audience =
  | { readonly kind: 'all' }
  | { readonly kind: 'tag'; readonly tagId: number }
  | { readonly kind: 'openids'; readonly openids: readonly string[] };

/** What an openid is (as /api takes it). */
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
/** An openids file is read up to this size: a million openids of 28 characters, with line ends. */
export const OPENIDS_FILE_MAX_BYTES = 32 * 1024 * 1024;

/** A problem with the audience named (a usage error to the command, a 400 to /api). */
export class AudienceError extends Error {
  override readonly name = 'AudienceError';
}

/** `all`, `tag:<id>` or an openids file's path (read with `readFile`). */
export async function parseAudience(text: string, readOpenidsFile = readOpenids): Promise<Audience> {
  if (text === 'all') return { kind: 'all' };
  if (text.startsWith('tag:')) {
    const id = text.slice(4);
    if (!/^\d{1,10}$/.test(id)) throw new AudienceError(`--to ${text}: a tag is tag:<its numeric id>`);
    return { kind: 'tag', tagId: Number(id) };
  }
  return { kind: 'openids', openids: await readOpenidsFile(text) };
}

/** The openids of a list: one a line, blank lines ignored, each once; a line that is not an openid is refused. */
export function openidsOf(text: string, source: string): string[] {
  const seen = new Set<string>();
  const lines = text.split('\n');
  for (const [index, raw] of lines.entries()) {
    const openid = raw.trim();
    if (openid === '') continue;
    if (!OPENID.test(openid)) throw new AudienceError(`${source}:${index + 1}: not an openid (1 to 64 letters, digits, _ or -)`);
    seen.add(openid);
  }
  if (seen.size === 0) throw new AudienceError(`${source}: no openid in it`);
  return [...seen];
}

async function readOpenids(file: string): Promise<string[]> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new AudienceError(
      `--to ${file}: not all, tag:<id>, nor a readable openids file (${(error as NodeJS.ErrnoException).code ?? 'unreadable'})`,
    );
  }
  try {
    const buffer = Buffer.alloc(OPENIDS_FILE_MAX_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > OPENIDS_FILE_MAX_BYTES) throw new AudienceError(`${file}: larger than ${OPENIDS_FILE_MAX_BYTES / 1024 / 1024} MB`);
    return openidsOf(buffer.subarray(0, bytesRead).toString('utf8'), file);
  } finally {
    await handle.close();
  }
}

/** The audience as the `clientmsgid` covers it: `all`, `tag:<id>`, or `openids:<SHA-256 of the sorted openids>`. */
export function audienceKey(audience: Audience): string {
  switch (audience.kind) {
    case 'all':
      return 'all';
    case 'tag':
      return `tag:${audience.tagId}`;
    case 'openids':
      return `openids:${createHash('sha256')
        .update([...audience.openids].sort().join('\n'))
        .digest('hex')}`;
  }
}

/** The audience in words, for the command's lines. */
export function audienceText(audience: Audience): string {
  switch (audience.kind) {
    case 'all':
      return 'every follower';
    case 'tag':
      return `the followers with tag ${audience.tagId}`;
    case 'openids':
      return `${audience.openids.length} listed openids`;
  }
}

/**
 * Openids in batches of at most `max` for `mass/send`, none of one: WeChat refuses a
 * batch of a single openid (40130), so a last batch of one takes an openid from the batch
 * before it. A list of one openid is the caller's to refuse.
 */
export function batchesOf(openids: readonly string[], max: number): string[][] {
  const batches: string[][] = [];
  for (let start = 0; start < openids.length; start += max) batches.push(openids.slice(start, start + max));
  const last = batches.at(-1);
  const before = batches.at(-2);
  if (last !== undefined && before !== undefined && last.length === 1) last.unshift(before.pop() as string);
  return batches;
}
