import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import {
  checkArticle,
  draftArticle,
  getArticles,
  getPublishingStatus,
  massSendArticle,
  previewArticle,
  publishArticle,
  type ArticleCheck,
  type ArticleDraft,
  type ArticleEntry,
  type ArticleMass,
  type ArticlePublish,
  type MassAudience,
  type Publishing,
  type PublishingStatus,
  type Refusal,
} from '../api.js';
import { HTML_LANG, useI18n, type I18n, type MessageKey } from '../i18n.js';

interface PublishingPageProps {
  account: string | null;
}

type List = { state: 'loading' } | { state: 'failed'; refusal: Refusal } | { state: 'ready'; articles: ArticleEntry[] };

/** A step of the panel: not run, running, its answer, or the server's refusal. */
type Step<T> = { state: 'idle' } | { state: 'running' } | { state: 'done'; data: T } | { state: 'refused'; refusal: Refusal };

/** The publish or mass send last made from this browser for a file, whose status the page can ask for. */
interface Tracked {
  kind: 'publish' | 'mass';
  id: string;
}

/** A step as it was, but a refusal shown for it gone. */
function withoutRefusal<T>(step: Step<T>): Step<T> {
  return step.state === 'refused' ? { state: 'idle' } : step;
}

/** What the server takes as an openid (openid-rules.ts). */
const OPENID = /^[A-Za-z0-9_-]{1,64}$/;
const TAG_ID = /^\d{1,10}$/;
const TRACKED_KEY = 'wechat-console.publishing';

/** The publishes and mass sends made from this browser, per account, so that a reload still finds their status. */
function storedTracked(account: string | null): Record<string, Tracked> {
  try {
    const value: unknown = JSON.parse(localStorage.getItem(`${TRACKED_KEY}.${account ?? ''}`) ?? '{}');
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
    const tracked: Record<string, Tracked> = {};
    for (const [file, item] of Object.entries(value as Record<string, unknown>)) {
      const { kind, id } = (item ?? {}) as Partial<Tracked>;
      if ((kind === 'publish' || kind === 'mass') && typeof id === 'string') tracked[file] = { kind, id };
    }
    return tracked;
  } catch {
    return {};
  }
}

function storeTracked(account: string | null, tracked: Record<string, Tracked>): void {
  try {
    localStorage.setItem(`${TRACKED_KEY}.${account ?? ''}`, JSON.stringify(tracked));
  } catch {
    // Storage off: the ids last until the page reloads.
  }
}

/** WeChat's refusals of publishing, by errcode, in the operator's words. */
const ERRCODE_TEXT: Readonly<Record<number, MessageKey>> = {
  48001: 'pubRefusedPermission',
  45028: 'pubRefusedQuota',
  45065: 'pubRefusedAlreadySent',
  45009: 'pubRefusedDailyLimit',
  40007: 'pubRefusedUnknownMedia',
  45106: 'pubRefusedRetired',
  45166: 'pubRefusedContent',
  40130: 'pubRefusedOneOpenid',
  53600: 'pubRefusedUnknownPublish',
};

/** The rails of publishing that held, by the server's `reason`. */
const REASON_TEXT: Readonly<Record<string, MessageKey>> = {
  'not-drafted': 'pubRefusedNotDrafted',
  'draft-stale': 'pubRefusedDraftStale',
  'no-preview': 'pubRefusedNoPreview',
  repeated: 'pubRefusedRepeated',
  'one-openid': 'pubRefusedOneOpenid',
  'batches-need-file': 'pubRefusedBatches',
};

/**
 * A refusal in the operator's language: the rail that held, WeChat's errcode explained,
 * or what the status means. A 5xx says only that the server failed: its text stays in
 * the server's log.
 */
function refusalText({ t }: I18n, refusal: Refusal): string {
  const { status, reason, errcode, field } = refusal;
  if (status === 0) return t('networkError');
  if (status === 401) return t('signedOut');
  const byReason = reason === undefined ? undefined : REASON_TEXT[reason];
  if (byReason !== undefined) return t(byReason);
  if (errcode === 45066) return t('pubRefusedTooFast', { s: refusal.retryAfterS ?? 60 });
  if (errcode !== undefined) {
    const byErrcode = ERRCODE_TEXT[errcode];
    return byErrcode !== undefined ? t(byErrcode) : t('pubRefusedWeChat', { errcode, errmsg: refusal.errmsg ?? '' });
  }
  if (status === 422 && refusal.problems.length > 0) return t('pubRefusedProblems', { n: refusal.problems.length });
  if (status === 422) return t('pubRefusedArticle', { error: refusal.error });
  if (status === 400 && field === 'to') return t('pubRefusedTo');
  if (status === 400) return t('pubRefusedInput', { error: refusal.error });
  if (status === 403) return t('pubRefusedForbidden');
  if (status === 404) return t('pubRefusedStatusUnknown');
  if (status === 503) return t('pubRefusedNotConfigured');
  if (status === 429) return t('pubRefusedBusy', { s: refusal.retryAfterS ?? 60 });
  if (status >= 500) return t('pubRefusedServer', { status });
  return t('requestFailed', { status });
}

/** A refusal, with the article's problems when the server listed them. */
function RefusalNote({ refusal, testId }: { refusal: Refusal; testId: string }) {
  const i18n = useI18n();
  return (
    <div class="pub-refusal" role="alert" data-testid={testId} data-status={refusal.status} data-reason={refusal.reason ?? refusal.errcode}>
      <p class="error">{refusalText(i18n, refusal)}</p>
      {refusal.problems.length > 0 && (
        <ul class="problems">
          {refusal.problems.map((problem, index) => (
            <li key={index}>{problem}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

function audienceText({ t }: I18n, audience: MassAudience): string {
  return audience === 'all' ? t('pubAudienceAllText') : t('pubAudienceTagText', { id: audience.slice(4) });
}

const formatAt = (i18n: I18n, at: number): string => new Date(at).toLocaleString(HTML_LANG[i18n.lang], { hour12: false });

const PUBLISH_STATUS: Readonly<Record<number, MessageKey>> = {
  0: 'pubPublishStatus0',
  1: 'pubPublishStatus1',
  2: 'pubPublishStatus2',
  3: 'pubPublishStatus3',
  4: 'pubPublishStatus4',
  5: 'pubPublishStatus5',
  6: 'pubPublishStatus6',
};

/** A mass send's status as WeChat words it (the event's, or mass/get's), in the operator's language. */
function massStatusText({ t }: I18n, status: string): string {
  switch (status) {
    case 'send success':
    case 'SEND_SUCCESS':
      return t('pubMassStatusSuccess');
    case 'send fail':
    case 'SEND_FAIL':
      return t('pubMassStatusFail');
    case 'SENDING':
      return t('pubMassStatusSending');
    case 'DELETE':
      return t('pubMassStatusDeleted');
    default: {
      const code = /^err\((\d+)\)$/.exec(status)?.[1];
      return code === undefined ? status : t('pubMassStatusErr', { code });
    }
  }
}

/** The lines of a status report, in the operator's language; WeChat's links and ids as they are. */
function statusLines(i18n: I18n, report: PublishingStatus): string[] {
  const { t } = i18n;
  switch (report.kind) {
    case 'publish': {
      const key = PUBLISH_STATUS[report.status];
      const meaning = key === undefined ? report.meaning : t(key);
      const lines = [t('pubStatusPublish', { id: report.publishId, meaning, status: report.status })];
      lines.push(t(report.source === 'event' ? 'pubStatusFromEvent' : 'pubStatusFromWeChat'));
      for (const [index, url] of report.articleUrls.entries()) lines.push(t('pubStatusArticleUrl', { n: index + 1, url }));
      if (report.failIdx.length > 0) lines.push(t('pubStatusFailIdx', { list: report.failIdx.join(', ') }));
      if (report.status === 1) lines.push(t('pubStatusPublishPending'));
      return lines;
    }
    case 'mass': {
      const lines = [t('pubStatusMass', { id: report.msgId, status: massStatusText(i18n, report.result?.status ?? report.status) })];
      lines.push(t(report.source === 'event' ? 'pubStatusFromEvent' : 'pubStatusFromWeChat'));
      const result = report.result;
      if (result !== undefined && result.total !== undefined) {
        lines.push(
          t('pubStatusMassCounts', {
            total: result.total,
            filtered: result.filtered ?? '—',
            sent: result.sent ?? '—',
            errors: result.errors ?? '—',
          }),
        );
      }
      if (result === undefined && report.status === 'SENDING') lines.push(t('pubStatusMassProtection'));
      return lines;
    }
    case 'send': {
      const { send } = report;
      if (send.errcode !== undefined) {
        const key = send.errcode === 45066 ? 'pubRefusedTooFast' : ERRCODE_TEXT[send.errcode];
        const why = key === undefined ? t('pubRefusedWeChat', { errcode: send.errcode, errmsg: '' }) : t(key, { s: 60 });
        return [t('pubStatusSendRefused', { id: send.clientMsgId, why })];
      }
      return [
        send.msgIds.length > 0
          ? t('pubStatusSendSent', { id: send.clientMsgId, ids: send.msgIds.join(', ') })
          : t('pubStatusSendPending', { id: send.clientMsgId }),
      ];
    }
  }
}

/** What the server knows of a publish or a mass send made from here, asked again with Refresh. */
function StatusBox({ account, tracked }: { account: string | null; tracked: Tracked }) {
  const i18n = useI18n();
  const { t } = i18n;
  const [status, setStatus] = useState<Step<PublishingStatus>>({ state: 'idle' });
  const seq = useRef(0);

  const refresh = useCallback(() => {
    const mine = ++seq.current;
    setStatus({ state: 'running' });
    void getPublishingStatus(account, tracked.id).then((result) => {
      if (mine !== seq.current) return;
      setStatus(result.kind === 'ok' ? { state: 'done', data: result.data } : { state: 'refused', refusal: result.refusal });
    });
  }, [account, tracked.id]);

  useEffect(refresh, [refresh]);

  return (
    <div class="pub-status" data-testid="pub-status">
      <div class="save-bar">
        <p class="save-status">{t(tracked.kind === 'publish' ? 'pubTrackedPublish' : 'pubTrackedMass', { id: tracked.id })}</p>
        <button type="button" class="secondary" data-testid="pub-status-refresh" disabled={status.state === 'running'} onClick={refresh}>
          {status.state === 'running' ? t('pubStatusLoading') : t('pubStatusRefresh')}
        </button>
      </div>
      <div role="status" data-testid="pub-status-lines">
        {status.state === 'done' && (
          <ul class="pub-lines">
            {statusLines(i18n, status.data).map((line, index) => (
              <li key={index}>{line}</li>
            ))}
          </ul>
        )}
      </div>
      {status.state === 'refused' && <RefusalNote refusal={status.refusal} testId="pub-status-error" />}
    </div>
  );
}

/** The result of a step: its text when done, its refusal when refused. */
function StepResult<T>({ step, testId, text }: { step: Step<T>; testId: string; text: (data: T) => string[] }) {
  return (
    <>
      <div role="status" data-testid={testId}>
        {step.state === 'done' && (
          <ul class="pub-lines">
            {text(step.data).map((line, index) => (
              <li key={index}>{line}</li>
            ))}
          </ul>
        )}
      </div>
      {step.state === 'refused' && <RefusalNote refusal={step.refusal} testId={`${testId}-error`} />}
    </>
  );
}

interface ArticlePanelProps {
  account: string | null;
  article: ArticleEntry;
  tracked: Tracked | undefined;
  /** A step changed what the server knows of the file (draft, preview): the list is read again. */
  onChanged: () => void;
  onTracked: (file: string, tracked: Tracked) => void;
}

/** One article's steps: check, draft, preview, publish, and a mass send confirmed by typing its title. */
function ArticlePanel({ account, article, tracked, onChanged, onTracked }: ArticlePanelProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const { file } = article;
  const title = article.title ?? file;
  const [check, setCheck] = useState<Step<ArticleCheck>>({ state: 'idle' });
  const [draft, setDraft] = useState<Step<ArticleDraft>>({ state: 'idle' });
  const [preview, setPreview] = useState<Step<{ media_id: string; to: string }>>({ state: 'idle' });
  const [publish, setPublish] = useState<Step<ArticlePublish>>({ state: 'idle' });
  const [mass, setMass] = useState<Step<ArticleMass>>({ state: 'idle' });
  const [openid, setOpenid] = useState('');
  const [audienceKind, setAudienceKind] = useState<'all' | 'tag'>('all');
  const [tagId, setTagId] = useState('');
  const [typedTitle, setTypedTitle] = useState('');
  const [confirming, setConfirming] = useState<MassAudience | null>(null);
  const publishDialog = useRef<HTMLDialogElement>(null);
  const massDialog = useRef<HTMLDialogElement>(null);

  const running = [check, draft, preview, publish, mass].some((step) => step.state === 'running');
  const audience: MassAudience | null = audienceKind === 'all' ? 'all' : TAG_ID.test(tagId.trim()) ? `tag:${Number(tagId.trim())}` : null;
  const openidValid = OPENID.test(openid.trim());

  /** Runs a step; the refusals shown for the other steps are old news by then, and go. */
  function run<T>(set: (step: Step<T>) => void, request: Promise<Publishing<T>>, then?: (data: T) => void): void {
    setCheck(withoutRefusal);
    setDraft(withoutRefusal);
    setPreview(withoutRefusal);
    setPublish(withoutRefusal);
    setMass(withoutRefusal);
    set({ state: 'running' });
    void request.then((result) => {
      if (result.kind === 'refused') {
        set({ state: 'refused', refusal: result.refusal });
        return;
      }
      set({ state: 'done', data: result.data });
      then?.(result.data);
    });
  }

  function runPreview(event: Event): void {
    event.preventDefault();
    const to = openid.trim();
    if (!OPENID.test(to)) return;
    run(
      setPreview,
      previewArticle(account, file, to).then((result) => (result.kind === 'ok' ? { kind: 'ok', data: { ...result.data, to } } : result)),
      onChanged,
    );
  }

  function confirmPublish(): void {
    publishDialog.current?.close();
    run(setPublish, publishArticle(account, file), (data) => {
      onTracked(file, { kind: 'publish', id: data.publish_id });
      onChanged();
    });
  }

  function openMass(): void {
    if (audience === null) return;
    setTypedTitle('');
    setConfirming(audience);
    massDialog.current?.showModal();
  }

  function closeMass(): void {
    massDialog.current?.close();
    setConfirming(null);
  }

  function confirmMass(): void {
    const to = confirming;
    if (to === null || typedTitle.trim() !== title.trim()) return;
    closeMass();
    run(setMass, massSendArticle(account, file, to), (data) => {
      const [first] = data.msg_ids;
      if (first !== undefined) onTracked(file, { kind: 'mass', id: first });
      onChanged();
    });
  }

  return (
    <section class="pub-panel" data-testid="pub-panel" aria-labelledby="pub-panel-title">
      <h3 id="pub-panel-title">{title}</h3>
      <p class="muted">{t('pubFile', { file })}</p>

      <div class="pub-step">
        <h4>{t('pubCheckTitle')}</h4>
        <p class="hint">{t('pubCheckHint')}</p>
        <button
          type="button"
          class="secondary"
          data-testid="pub-check"
          disabled={running}
          onClick={() => run(setCheck, checkArticle(account, file))}
        >
          {check.state === 'running' ? t('pubChecking') : t('pubCheck')}
        </button>
        <div role="status" data-testid="pub-check-result">
          {check.state === 'done' &&
            (check.data.problems.length === 0 ? (
              <p class="save-saved">{t('pubReady', { n: check.data.characters })}</p>
            ) : (
              <>
                <p class="error">{t('pubRefusedProblems', { n: check.data.problems.length })}</p>
                <ul class="problems">
                  {check.data.problems.map((problem, index) => (
                    <li key={index}>{problem}</li>
                  ))}
                </ul>
              </>
            ))}
        </div>
        {check.state === 'refused' && <RefusalNote refusal={check.refusal} testId="pub-check-error" />}
      </div>

      <div class="pub-step">
        <h4>{t('pubDraftTitle')}</h4>
        <p class="hint">{t('pubDraftHint')}</p>
        <button
          type="button"
          data-testid="pub-draft"
          disabled={running}
          onClick={() => run(setDraft, draftArticle(account, file), onChanged)}
        >
          {draft.state === 'running' ? t('pubDrafting') : t('pubDraft')}
        </button>
        <StepResult
          step={draft}
          testId="pub-draft-result"
          text={(data) => [
            t(data.action === 'added' ? 'pubDraftAdded' : 'pubDraftUpdated', { mediaId: data.media_id }),
            t('pubDraftImages', { uploaded: data.images_uploaded, reused: data.images_reused }),
            t(data.cover_uploaded ? 'pubDraftCoverUploaded' : 'pubDraftCoverReused'),
          ]}
        />
      </div>

      <div class="pub-step">
        <h4>{t('pubPreviewTitle')}</h4>
        <p id="pub-preview-hint" class="hint">
          {t('pubPreviewHint')}
        </p>
        <form class="pub-row" onSubmit={runPreview}>
          <label for="pub-openid">
            {t('pubPreviewOpenid')}
            <input
              id="pub-openid"
              type="text"
              data-testid="pub-openid"
              autocomplete="off"
              spellcheck={false}
              aria-describedby="pub-preview-hint"
              value={openid}
              onInput={(event) => setOpenid(event.currentTarget.value)}
            />
          </label>
          <button type="submit" data-testid="pub-preview" disabled={running || !openidValid}>
            {preview.state === 'running' ? t('pubPreviewing') : t('pubPreview')}
          </button>
        </form>
        <StepResult
          step={preview}
          testId="pub-preview-result"
          text={(data) => [t('pubPreviewed', { openid: data.to, mediaId: data.media_id })]}
        />
      </div>

      <div class="pub-step">
        <h4>{t('pubPublishTitle')}</h4>
        <p class="hint">{t('pubPublishHint')}</p>
        <button type="button" data-testid="pub-publish" disabled={running} onClick={() => publishDialog.current?.showModal()}>
          {publish.state === 'running' ? t('pubPublishing') : t('pubPublish')}
        </button>
        <StepResult
          step={publish}
          testId="pub-publish-result"
          text={(data) => [t('pubPublished', { id: data.publish_id, mediaId: data.media_id })]}
        />
      </div>

      <div class="pub-step">
        <h4>{t('pubMassTitle')}</h4>
        <fieldset class="send-kind">
          <legend>{t('pubAudience')}</legend>
          <label for="pub-audience-all">
            <input
              id="pub-audience-all"
              type="radio"
              name="pub-audience"
              data-testid="pub-audience-all"
              checked={audienceKind === 'all'}
              onChange={() => setAudienceKind('all')}
            />{' '}
            {t('pubAudienceAll')}
          </label>
          <label for="pub-audience-tag">
            <input
              id="pub-audience-tag"
              type="radio"
              name="pub-audience"
              data-testid="pub-audience-tag"
              checked={audienceKind === 'tag'}
              onChange={() => setAudienceKind('tag')}
            />{' '}
            {t('pubAudienceTag')}
          </label>
          {audienceKind === 'tag' && (
            <label for="pub-tag-id">
              {t('pubTagId')}
              <input
                id="pub-tag-id"
                type="text"
                inputMode="numeric"
                data-testid="pub-tag-id"
                autocomplete="off"
                value={tagId}
                onInput={(event) => setTagId(event.currentTarget.value)}
              />
            </label>
          )}
        </fieldset>
        <p class="note" role="note" data-testid="pub-limits">
          {t('pubLimits', { audience: audience === null ? t('pubAudienceTagText', { id: '…' }) : audienceText(i18n, audience) })}
        </p>
        <p class="hint">{t('pubMassHint')}</p>
        <button type="button" data-testid="pub-mass" disabled={running || audience === null} onClick={openMass}>
          {mass.state === 'running' ? t('pubMassing') : t('pubMass')}
        </button>
        <StepResult step={mass} testId="pub-mass-result" text={(data) => [t('pubMassSent', { ids: data.msg_ids.join(', ') })]} />
      </div>

      {tracked !== undefined && <StatusBox key={tracked.id} account={account} tracked={tracked} />}

      <dialog ref={publishDialog} class="menu-confirm" aria-labelledby="pub-publish-dialog-title">
        <h3 id="pub-publish-dialog-title">{t('pubPublishConfirmTitle')}</h3>
        <p>{t('pubPublishConfirmWhat', { title, file })}</p>
        <p class="hint">{t('pubPublishHint')}</p>
        <div class="save-bar">
          <button type="button" data-testid="pub-publish-confirm" onClick={confirmPublish}>
            {t('pubPublishConfirm')}
          </button>
          <button type="button" class="secondary" onClick={() => publishDialog.current?.close()}>
            {t('pubCancel')}
          </button>
        </div>
      </dialog>

      <dialog ref={massDialog} class="menu-confirm" aria-labelledby="pub-mass-dialog-title" onClose={() => setConfirming(null)}>
        <h3 id="pub-mass-dialog-title">{t('pubMassConfirmTitle')}</h3>
        {confirming !== null && (
          <>
            <p>{t('pubMassConfirmWhat', { title, file, audience: audienceText(i18n, confirming) })}</p>
            <p class="note" role="note" data-testid="pub-mass-limits">
              {t('pubLimits', { audience: audienceText(i18n, confirming) })}
            </p>
            <label for="pub-mass-title" class="pub-confirm-label">
              {t('pubMassTypeTitle', { title })}
              <input
                id="pub-mass-title"
                type="text"
                data-testid="pub-mass-title"
                autocomplete="off"
                spellcheck={false}
                value={typedTitle}
                onInput={(event) => setTypedTitle(event.currentTarget.value)}
              />
            </label>
          </>
        )}
        <div class="save-bar">
          <button
            type="button"
            class="danger"
            data-testid="pub-mass-confirm"
            disabled={confirming === null || typedTitle.trim() !== title.trim()}
            onClick={confirmMass}
          >
            {t('pubMassConfirm')}
          </button>
          <button type="button" class="secondary" data-testid="pub-mass-cancel" onClick={closeMass}>
            {t('pubCancel')}
          </button>
        </div>
      </dialog>
    </section>
  );
}

/** The draft column: none, or its media_id, when it was made, and whether the file changed since. */
function DraftCell({ article }: { article: ArticleEntry }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { draft } = article;
  if (draft === null) return <span class="muted">{t('pubDraftNone')}</span>;
  return (
    <>
      <code>{draft.media_id}</code>
      <span class={`badge ${draft.current ? '' : 'unsaved'}`}>{t(draft.current ? 'pubDraftCurrent' : 'pubDraftStale')}</span>
      <br />
      <span class="hint">{formatAt(i18n, draft.at)}</span>
    </>
  );
}

/**
 * The article files under ARTICLES_DIR and, for the one chosen, the steps from a Markdown
 * file to followers' phones: check, draft, preview, publish or mass send. The server holds
 * the rails (a preview before a mass send, one mass send per content and audience); the
 * page says what each refusal means.
 */
export function PublishingPage({ account }: PublishingPageProps) {
  const { t } = useI18n();
  const [list, setList] = useState<List>({ state: 'loading' });
  const [loadCount, setLoadCount] = useState(0);
  const [selected, setSelected] = useState<string | null>(null);
  const [tracked, setTracked] = useState<Record<string, Tracked>>(() => storedTracked(account));

  useEffect(() => {
    let cancelled = false;
    void getArticles(account).then((result) => {
      if (cancelled) return;
      setList(result.kind === 'ok' ? { state: 'ready', articles: result.data } : { state: 'failed', refusal: result.refusal });
    });
    return () => {
      cancelled = true;
    };
  }, [account, loadCount]);

  const reload = useCallback(() => setLoadCount((n) => n + 1), []);

  const onTracked = useCallback(
    (file: string, item: Tracked) => {
      setTracked((previous) => {
        const next = { ...previous, [file]: item };
        storeTracked(account, next);
        return next;
      });
    },
    [account],
  );

  if (list.state !== 'ready') {
    return (
      <div class="publishing" data-testid="publishing">
        {list.state === 'loading' ? (
          <p class="muted" role="status">
            {t('loading')}
          </p>
        ) : (
          <>
            <RefusalNote refusal={list.refusal} testId="pub-list-error" />
            <button type="button" onClick={reload}>
              {t('retry')}
            </button>
          </>
        )}
      </div>
    );
  }

  const { articles } = list;
  const article = articles.find((item) => item.file === selected);
  return (
    <div class="publishing" data-testid="publishing">
      <div class="toolbar">
        <p class="hint">{t('pubIntro')}</p>
        <button type="button" class="secondary" data-testid="pub-reload" onClick={reload}>
          {t('refresh')}
        </button>
      </div>
      {articles.length === 0 ? (
        <p class="note" role="note">
          {t('pubEmpty')}
        </p>
      ) : (
        <div class="pub-table">
          <table class="pub-list" data-testid="pub-list">
            <caption class="visually-hidden">{t('pubListLabel')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('pubColFile')}</th>
                <th scope="col">{t('pubColTitle')}</th>
                <th scope="col">{t('pubColDraft')}</th>
                <th scope="col">{t('pubColPreview')}</th>
                <th scope="col">{t('pubColLast')}</th>
              </tr>
            </thead>
            <tbody>
              {articles.map((item) => {
                const last = tracked[item.file];
                return (
                  <tr key={item.file} class={item.file === selected ? 'selected' : undefined} data-testid="pub-row" data-file={item.file}>
                    <td>
                      <button
                        type="button"
                        class="link"
                        data-testid="pub-select"
                        aria-pressed={item.file === selected}
                        onClick={() => setSelected(item.file)}
                      >
                        {item.file}
                      </button>
                    </td>
                    <td>
                      {item.title ?? <span class="muted">{t('pubNoTitle')}</span>}
                      {item.problems.length > 0 && <span class="badge unsaved">{t('pubProblemsBadge', { n: item.problems.length })}</span>}
                    </td>
                    <td data-testid="pub-row-draft">
                      <DraftCell article={item} />
                    </td>
                    <td>{item.previewed ? t('pubPreviewedYes') : <span class="muted">{t('pubPreviewedNo')}</span>}</td>
                    <td>
                      {last === undefined ? (
                        <span class="muted">—</span>
                      ) : (
                        t(last.kind === 'publish' ? 'pubTrackedPublish' : 'pubTrackedMass', { id: last.id })
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {article === undefined ? (
        articles.length > 0 && <p class="muted">{t('pubChoose')}</p>
      ) : (
        <ArticlePanel
          key={article.file}
          account={account}
          article={article}
          tracked={tracked[article.file]}
          onChanged={reload}
          onTracked={onTracked}
        />
      )}
    </div>
  );
}
