import type { InboundMessage } from '../protocol/message-types.js';
import type { Reply } from '../protocol/reply-types.js';
import { toMessage } from '../protocol/to-message.js';
import { defaultReply } from '../replies/default-rules.js';
import { compileReplies } from '../replies-file/compile.js';
import { parseReplies } from '../replies-file/load.js';
import { saveVersion } from './versioned-file.js';

/** One problem of the text being edited, at its line when the checker places it. */
export interface EditorProblem {
  readonly line: number | null;
  readonly message: string;
}

/** A test message typed in the preview. */
export type PreviewMessage = { readonly type: 'text'; readonly content: string } | { readonly type: 'event'; readonly event: 'subscribe' };

/**
 * What the preview shows of a reply: its type and its text (a text's content, an
 * article's title, a hand-over's agent).
 */
export interface PreviewReply {
  readonly type: string;
  readonly text: string;
}

/** The outcome of a save: written, refused as invalid (nothing written), or based on a version no longer there. */
export type SaveResult =
  | { readonly saved: true; readonly hash: string }
  | { readonly saved: false; readonly problems: readonly EditorProblem[] }
  | { readonly saved: false; readonly stale: true; readonly hash: string };

/** `replies.yaml:7: keywords[2]: …` → line 7 and the rest; a problem of the whole file has no line. */
function placed(line: string, file: string): EditorProblem {
  const prefix = `${file}:`;
  if (!line.startsWith(prefix)) return { line: null, message: line };
  const rest = line.slice(prefix.length);
  const colon = rest.indexOf(': ');
  const number = colon > 0 ? Number(rest.slice(0, colon)) : Number.NaN;
  return Number.isSafeInteger(number) ? { line: number, message: rest.slice(colon + 2) } : { line: null, message: rest.trimStart() };
}

/** Every problem of `source` as the server's checker sees it, were it the account's replies file `file`. */
export function checkReplies(source: string, file: string): readonly EditorProblem[] {
  const loaded = parseReplies(source, file);
  return loaded.ok ? [] : loaded.problems.map((line) => placed(line, file));
}

function testMessage(message: PreviewMessage): InboundMessage {
  const common = { ToUserName: 'gh_console_preview', FromUserName: 'o_console_preview', CreateTime: String(Math.floor(Date.now() / 1000)) };
  return message.type === 'text'
    ? toMessage({ ...common, MsgType: 'text', Content: message.content, MsgId: '1' })
    : toMessage({ ...common, MsgType: 'event', Event: message.event });
}

function shown(reply: Reply): PreviewReply {
  switch (reply.type) {
    case 'text':
      return { type: 'text', text: reply.content };
    case 'news':
      return { type: 'news', text: reply.articles.map((article) => article.title).join(' / ') };
    case 'music':
      return { type: 'music', text: reply.title ?? '' };
    case 'video':
      return { type: 'video', text: reply.title ?? '' };
    case 'transfer_customer_service':
      // The console names the kind in its own language; the text is the agent, when one is chosen.
      return { type: 'transfer_customer_service', text: reply.kfAccount ?? '' };
    default:
      return { type: reply.type, text: '' };
  }
}

/**
 * What the server would answer `message` with, were `source` the replies file: the
 * file's rule, or where it has none the default rules. Media files are not uploaded:
 * a reply naming one shows its type. Undefined `reply` with problems: the text does not
 * validate, and the server would keep the version it has.
 */
export async function previewReply(
  source: string,
  file: string,
  message: PreviewMessage,
  fallbackReply: string,
): Promise<{ reply: PreviewReply | null; problems: readonly EditorProblem[] }> {
  const loaded = parseReplies(source, file);
  if (!loaded.ok) return { reply: null, problems: loaded.problems.map((line) => placed(line, file)) };
  const inbound = testMessage(message);
  const found = await compileReplies(loaded.data).replyTo(inbound);
  const reply = found === undefined ? defaultReply(inbound, fallbackReply) : found;
  return { reply: reply === null ? null : shown(reply), problems: [] };
}

/**
 * Saves `source` as the replies file when it validates and the file is still the version
 * `baseHash` names (versioned-file.ts); the live reload then serves it.
 */
export async function saveReplies(file: string, source: string, baseHash: string): Promise<SaveResult> {
  const problems = checkReplies(source, file);
  if (problems.length > 0) return { saved: false, problems };
  const { hash, stale } = await saveVersion(file, source, baseHash);
  return stale ? { saved: false, stale: true, hash } : { saved: true, hash };
}
