import { relative, sep } from 'node:path';
import { WeChatApiError } from '../core/errors.js';
import { maskedOpenid } from '../core/masked-openid.js';
import { addPermanentImage, uploadArticleImage } from '../wechat-api/article-images.js';
import type { ApiClient } from '../wechat-api/client.js';
import { addDraft, updateDraft, type DraftArticle } from '../wechat-api/drafts.js';
import { getPublishStatus, PUBLISH_STATUS_MEANING, submitPublish } from '../wechat-api/free-publish.js';
import { MASS_BATCH_MAX, massPreview, massSendAll, massSendToOpenids, massStatus, type MassFilter } from '../wechat-api/mass-send.js';
import type { MediaFile } from '../wechat-api/media.js';
import { articleProblems, PLACEHOLDER_IMAGE_URL } from './article-check.js';
import { readArticle, type Article, type ArticleImage } from './article.js';
import { audienceKey, batchesOf, type Audience } from './audience.js';
import { clientMsgIdOf } from './client-msg-id.js';
import type { MassResult, PublishingRecords, PublishResult, SendRecord } from './publishing-records.js';
import { renderArticleHtml } from './render-html.js';

/** What a command names: an article file (its current draft), or a draft's media_id. */
export type Target = { readonly file: string } | { readonly mediaId: string };

/** The article has problems WeChat would refuse (or show badly): nothing was sent. */
export class ArticleProblemsError extends Error {
  override readonly name = 'ArticleProblemsError';
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n${problems.map((line) => `  ${line}`).join('\n')}`);
  }
}

/** A rail held: no draft, a stale draft, no preview, a repeated send. Nothing was sent. */
export class PublishingRefusedError extends Error {
  override readonly name = 'PublishingRefusedError';
  constructor(
    readonly reason: 'not-drafted' | 'draft-stale' | 'no-preview' | 'repeated' | 'one-openid' | 'batches-need-file',
    message: string,
  ) {
    super(message);
  }
}

export interface CheckResult {
  readonly article: Article;
  readonly html: string;
  readonly problems: readonly string[];
}

export interface DraftResult {
  readonly file: string;
  readonly mediaId: string;
  /** `added` a new draft, or `updated` the file's draft in place. */
  readonly action: 'added' | 'updated';
  /** Inline images uploaded now, and those already uploaded before (by content hash). */
  readonly imagesUploaded: number;
  readonly imagesReused: number;
  readonly coverUploaded: boolean;
}

/** What the console lists for an article file. */
export interface ArticleState {
  readonly title: string;
  readonly problems: readonly string[];
  /** Its draft; `current` when the file has not changed since. */
  readonly draft?: { readonly mediaId: string; readonly at: number; readonly current: boolean };
  /** Whether a preview of the file's content as it is now was sent. */
  readonly previewed: boolean;
}

export interface MassSendResult {
  readonly msgIds: readonly string[];
  readonly clientMsgIds: readonly string[];
}

/** What `status` knows of a publish or a mass send. */
export type StatusReport =
  | {
      readonly kind: 'publish';
      readonly publishId: string;
      /** From the recorded PUBLISHJOBFINISH, or asked of WeChat when none was recorded. */
      readonly source: 'event' | 'wechat';
      readonly status: number;
      readonly meaning: string;
      readonly articleUrls: readonly string[];
      readonly failIdx: readonly number[];
    }
  | {
      readonly kind: 'mass';
      readonly msgId: string;
      readonly source: 'event' | 'wechat';
      /** MASSSENDJOBFINISH's Status, or mass/get's msg_status. */
      readonly status: string;
      readonly result?: MassResult;
      readonly send?: SendRecord;
    }
  | { readonly kind: 'send'; readonly send: SendRecord };

export interface PublisherOptions {
  readonly client: ApiClient;
  readonly records: PublishingRecords;
  readonly appId: string;
  readonly now?: () => number;
  /**
   * Where file paths are counted from in the records: ARTICLES_DIR (by default the working
   * directory), so that the command, the server and a CI job, each in its own checkout,
   * know a file's draft by the same name: `hello.md` for `articles/hello.md`.
   */
  readonly root?: string;
}

/** The article, its HTML as it will be (images at a URL of realistic length), and its problems: offline. */
export async function checkArticle(file: string): Promise<CheckResult> {
  const article = await readArticle(file);
  const html = renderArticleHtml(article, () => PLACEHOLDER_IMAGE_URL);
  return { article, html, problems: articleProblems(article, html) };
}

/** How many repeats `--again` may add to one content and audience. */
const MAX_REPEATS = 1000;

/** WeChat's file extension for an image format (it reads the type from the name). */
const EXTENSION = { jpeg: 'jpg', png: 'png', gif: 'gif' } as const;

function mediaFile(image: ArticleImage): MediaFile {
  if (image.bytes === undefined || image.format === undefined || image.format === 'other') {
    // The check refuses such an image before anything is uploaded.
    throw new Error(`${image.src}: not an image to upload`);
  }
  return { data: image.bytes, filename: `${image.sha256 ?? 'image'}.${EXTENSION[image.format]}` };
}

const isErrcode = (error: unknown, ...codes: number[]): error is WeChatApiError =>
  error instanceof WeChatApiError && codes.includes(error.errcode);

/**
 * Publishing for one account: Markdown files to drafts (each image uploaded once), a
 * draft to a publish or a mass send, with the rails a mass send needs: a preview of the
 * same content first, and never the same content to the same audience twice (the
 * `clientmsgid`, remembered here and by WeChat).
 */
export function createPublisher({ client, records, appId, now = Date.now, root = process.cwd() }: PublisherOptions) {
  const check = checkArticle;
  /** The name a file's draft is recorded under: its path from `root`, with forward slashes. */
  const fileKey = (path: string): string => relative(root, path).split(sep).join('/');

  async function imageUrl(image: ArticleImage): Promise<{ url: string; uploaded: boolean }> {
    const sha256 = image.sha256 ?? '';
    const known = await records.uploaded('images', sha256);
    if (known !== undefined) return { url: known, uploaded: false };
    const url = await uploadArticleImage(client, mediaFile(image));
    await records.saveUpload('images', sha256, url);
    return { url, uploaded: true };
  }

  async function coverMediaId(image: ArticleImage): Promise<{ mediaId: string; uploaded: boolean }> {
    const sha256 = image.sha256 ?? '';
    const known = await records.uploaded('covers', sha256);
    if (known !== undefined) return { mediaId: known, uploaded: false };
    const { media_id } = await addPermanentImage(client, mediaFile(image));
    await records.saveUpload('covers', sha256, media_id);
    return { mediaId: media_id, uploaded: true };
  }

  /** The file as a draft: added, or its earlier draft updated (added anew when WeChat no longer has it). */
  async function draft(file: string): Promise<DraftResult> {
    const { article, problems } = await check(file);
    if (problems.length > 0) throw new ArticleProblemsError(file, problems);
    const urls = new Map<string, string>();
    let imagesUploaded = 0;
    for (const image of article.images) {
      const { url, uploaded } = await imageUrl(image);
      urls.set(image.path, url);
      if (uploaded) imagesUploaded++;
    }
    const cover = await coverMediaId(article.cover);
    const { frontMatter } = article;
    const draftArticle: DraftArticle = {
      title: frontMatter.title,
      ...(frontMatter.author === undefined ? {} : { author: frontMatter.author }),
      ...(frontMatter.digest === undefined ? {} : { digest: frontMatter.digest }),
      content: renderArticleHtml(article, (image) => urls.get(image.path) ?? ''),
      ...(frontMatter.source_url === undefined ? {} : { content_source_url: frontMatter.source_url }),
      thumb_media_id: cover.mediaId,
      need_open_comment: frontMatter.comments ? 1 : 0,
      only_fans_can_comment: 0,
    };
    const key = fileKey(article.path);
    const before = await records.draft(key);
    let mediaId: string | undefined;
    let action: DraftResult['action'] = 'added';
    if (before !== undefined) {
      try {
        await updateDraft(client, before.mediaId, 0, draftArticle);
        mediaId = before.mediaId;
        action = 'updated';
      } catch (error) {
        // Published, mass sent or deleted in WeChat's editor meanwhile: a new draft.
        if (!isErrcode(error, 40007)) throw error;
      }
    }
    mediaId ??= await addDraft(client, [draftArticle]);
    await records.saveDraft(key, { mediaId, contentHash: article.contentHash, at: now() });
    return {
      file: article.path,
      mediaId,
      action,
      imagesUploaded,
      imagesReused: article.images.length - imagesUploaded,
      coverUploaded: cover.uploaded,
    };
  }

  /** The draft a target names and the content it holds (`contentKey`, what previews and clientmsgids cover). */
  async function resolve(target: Target): Promise<{ mediaId: string; contentKey: string; file?: string }> {
    if ('mediaId' in target) {
      // A draft drafted here holds known content: its previews and sends are by that content,
      // so an update after a preview needs a new one. Others (WeChat's editor) by the id.
      const drafted = await records.draftContent(target.mediaId);
      return { mediaId: target.mediaId, contentKey: drafted ?? `media:${target.mediaId}` };
    }
    const article = await readArticle(target.file);
    const key = fileKey(article.path);
    const drafted = await records.draft(key);
    if (drafted === undefined) {
      throw new PublishingRefusedError('not-drafted', `${target.file} has no draft: run draft ${target.file} first`);
    }
    if (drafted.contentHash !== article.contentHash) {
      throw new PublishingRefusedError(
        'draft-stale',
        `${target.file} changed since its draft ${drafted.mediaId}: run draft ${target.file} again first`,
      );
    }
    return { mediaId: drafted.mediaId, contentKey: article.contentHash, file: key };
  }

  async function submit(target: Target): Promise<{ publishId: string; mediaId: string }> {
    const { mediaId, contentKey, file } = await resolve(target);
    const { publish_id: publishId } = await submitPublish(client, mediaId);
    // WeChat took the draft out of the draft box.
    if (file !== undefined) await records.dropDraft(file);
    await records.savePublish({ publishId, mediaId, contentKey, ...(file === undefined ? {} : { file }), at: now() });
    return { publishId, mediaId };
  }

  async function preview(target: Target, openid: string): Promise<{ mediaId: string }> {
    const { mediaId, contentKey } = await resolve(target);
    await massPreview(client, mediaId, openid);
    await records.savePreview({ contentKey, mediaId, to: maskedOpenid(openid), at: now() });
    return { mediaId };
  }

  /** The send's claim under its clientmsgid; a send WeChat refused outright (45066) may be claimed again. */
  async function claim(record: SendRecord): Promise<boolean> {
    if (await records.claimSend(record)) return true;
    const held = await records.send(record.clientMsgId);
    if (held?.errcode === undefined) return false;
    await records.saveSend(record);
    return true;
  }

  /** The first clientmsgid of this content and audience not sent yet (`--again`), or the first one. */
  async function freeClientMsgId(contentKey: string, audience: string, again: boolean): Promise<string> {
    const first = clientMsgIdOf(appId, contentKey, audience);
    const sent = async (id: string): Promise<boolean> => {
      const held = await records.send(id);
      return held !== undefined && held.errcode === undefined;
    };
    if (!(await sent(first))) return first;
    if (!again) {
      const held = await records.send(first);
      throw new PublishingRefusedError(
        'repeated',
        `this content was mass sent to this audience before (msg_id ${held?.msgIds.join(', ') || 'pending'}, clientmsgid ${first}): not again; --again sends it once more`,
      );
    }
    for (let repeat = 1; repeat <= MAX_REPEATS; repeat++) {
      const id = clientMsgIdOf(appId, contentKey, audience, repeat);
      if (!(await sent(id))) return id;
    }
    throw new PublishingRefusedError('repeated', `this content was sent to this audience ${MAX_REPEATS} times`);
  }

  /**
   * A mass send of the target to the audience: refused without a preview of the same
   * content and when it was sent before (unless `again`). An openids list goes in batches
   * of 10,000, each its own send (and, after the first, its own draft of the file).
   */
  async function mass(
    target: Target,
    audience: Audience,
    options: { readonly again?: boolean; readonly allowReprint?: boolean } = {},
  ): Promise<MassSendResult> {
    let resolved = await resolve(target);
    const previewed = await records.preview(resolved.contentKey);
    if (previewed === undefined) {
      throw new PublishingRefusedError(
        'no-preview',
        'no preview of this content was sent: run preview --to <a test openid> first, and look at it on the phone',
      );
    }
    const batches = audience.kind === 'openids' ? batchesOf(audience.openids, MASS_BATCH_MAX) : [[]];
    if (audience.kind === 'openids' && audience.openids.length === 1) {
      throw new PublishingRefusedError(
        'one-openid',
        'WeChat refuses a mass send to a single openid: send that follower a preview (preview --to <openid>) instead',
      );
    }
    if (batches.length > 1 && resolved.file === undefined) {
      throw new PublishingRefusedError(
        'batches-need-file',
        `more than ${MASS_BATCH_MAX} openids go in several sends, each consuming its draft: name the article file (drafted again for each), or send to a tag`,
      );
    }
    const key = audienceKey(audience);
    const baseId = await freeClientMsgId(resolved.contentKey, key, options.again ?? false);
    const sendIgnoreReprint = options.allowReprint === true ? 1 : 0;
    const msgIds: string[] = [];
    const clientMsgIds: string[] = [];
    for (const [part, openids] of batches.entries()) {
      if (part > 0 && resolved.file !== undefined) {
        await draft(resolved.file);
        resolved = await resolve({ file: resolved.file });
      }
      const clientMsgId = part === 0 ? baseId : clientMsgIdOf(appId, `${baseId}`, key, 0, part);
      const record: SendRecord = {
        clientMsgId,
        contentKey: resolved.contentKey,
        audience: key,
        mediaId: resolved.mediaId,
        msgIds: [],
        at: now(),
      };
      if (!(await claim(record))) {
        throw new PublishingRefusedError('repeated', `clientmsgid ${clientMsgId} is being sent by another run`);
      }
      const sendOptions = { mediaId: resolved.mediaId, clientMsgId, sendIgnoreReprint } as const;
      let sent;
      try {
        sent =
          audience.kind === 'openids'
            ? await massSendToOpenids(client, openids, sendOptions)
            : await massSendAll(client, filterOf(audience), sendOptions);
      } catch (error) {
        if (isErrcode(error, 45065)) {
          // WeChat has it already: the claim stays.
        } else if (isErrcode(error, 45066)) {
          await records.saveSend({ ...record, errcode: 45066 });
        } else {
          await records.releaseSend(clientMsgId);
        }
        throw error;
      }
      // WeChat took the draft out of the draft box.
      if (resolved.file !== undefined) await records.dropDraft(resolved.file);
      await records.saveSend({ ...record, msgIds: [sent.msg_id] });
      msgIds.push(sent.msg_id);
      clientMsgIds.push(clientMsgId);
    }
    return { msgIds, clientMsgIds };
  }

  /** What is known of a publish_id, a msg_id or a clientmsgid: the recorded event, else WeChat's answer now. */
  async function status(id: string): Promise<StatusReport | undefined> {
    const published = await records.publish(id);
    if (published.result !== undefined) return publishReport(id, 'event', published.result);
    if (published.record !== undefined) {
      const asked = await getPublishStatus(client, id);
      return publishReport(id, 'wechat', {
        status: asked.publish_status,
        articleUrls: asked.article_urls,
        failIdx: asked.fail_idx,
        at: now(),
      });
    }
    const massed = await records.mass(id);
    if (massed.result !== undefined)
      return { kind: 'mass', msgId: id, source: 'event', status: massed.result.status, result: massed.result, send: massed.send };
    if (massed.send !== undefined) {
      const asked = await massStatus(client, id);
      return { kind: 'mass', msgId: id, source: 'wechat', status: asked.msg_status, send: massed.send };
    }
    const send = /^[0-9a-f]{64}$/.test(id) ? await records.send(id) : undefined;
    return send === undefined ? undefined : { kind: 'send', send };
  }

  /** The file's title, problems and draft: whether it has one, and whether the file changed since. */
  async function state(file: string): Promise<ArticleState> {
    const { article, problems } = await check(file);
    const drafted = await records.draft(fileKey(article.path));
    return {
      title: article.frontMatter.title,
      problems,
      ...(drafted === undefined
        ? {}
        : { draft: { mediaId: drafted.mediaId, at: drafted.at, current: drafted.contentHash === article.contentHash } }),
      previewed: (await records.preview(article.contentHash)) !== undefined,
    };
  }

  return { check, draft, submit, preview, mass, status, state };
}

export type Publisher = ReturnType<typeof createPublisher>;

function filterOf(audience: Exclude<Audience, { kind: 'openids' }>): MassFilter {
  return audience.kind === 'all' ? { is_to_all: true } : { is_to_all: false, tag_id: audience.tagId };
}

function publishReport(publishId: string, source: 'event' | 'wechat', result: Omit<PublishResult, 'articleId'>): StatusReport {
  return {
    kind: 'publish',
    publishId,
    source,
    status: result.status,
    meaning: PUBLISH_STATUS_MEANING[result.status] ?? `publish_status ${result.status}`,
    articleUrls: result.articleUrls,
    failIdx: result.failIdx,
  };
}
