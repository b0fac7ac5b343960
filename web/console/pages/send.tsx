import { useEffect, useRef, useState } from 'preact/hooks';
import {
  checkSend,
  getNotices,
  getTemplates,
  send,
  type CheckedSend,
  type CustomSend,
  type SendKind,
  type SubscribeSend,
  type Template,
  type TemplateSend,
} from '../api.js';
import { HTML_LANG, useI18n, type I18n } from '../i18n.js';

interface SendPageProps {
  account: string | null;
}

type Templates = { state: 'loading' } | { state: 'failed'; error: string } | { state: 'ready'; templates: Template[] };

type Body = TemplateSend | CustomSend | SubscribeSend;

/** What the last check answered, for the body it checked: Send posts that body, nothing else. */
type Check =
  | { kind: 'none' }
  | { kind: 'checking' }
  | { kind: 'invalid'; error: string }
  | { kind: 'ok'; sendKind: SendKind; body: Body; answer: CheckedSend };

type Status = { kind: 'idle' } | { kind: 'sending' } | { kind: 'sent'; text: string } | { kind: 'failed'; error: string };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What goes out, as the server answered it: the template message or notice, or the customer-service text. */
function previewOf(answer: CheckedSend): unknown {
  if ('message' in answer) return answer.message;
  const { touser, reply } = answer;
  return { touser, reply };
}

/** What the server knows of reaching the user on this channel: the window, or the grant. */
function reachNote({ t, lang }: I18n, answer: CheckedSend): string | undefined {
  if ('window' in answer) {
    const { window, until, sendsLeft } = answer.window;
    if (window === 'unknown') return t('sendWindowUnknown');
    if (window === 'closed') return t('sendWindowClosed');
    const time = until === null ? '' : new Date(until).toLocaleString(HTML_LANG[lang], { hour12: false });
    return t('sendWindowOpen', { n: sendsLeft ?? 0, until: time });
  }
  if (answer.kind === undefined) return undefined;
  const kind = t(answer.kind === 'one-time' ? 'grantOneTime' : 'grantLongTerm');
  const { grant } = answer;
  if (grant === null) return t('sendGrantUnknown', { kind });
  if (grant.status === 'accept') return t('sendGrantAccepted', { kind, n: grant.remaining ?? '∞' });
  return t(grant.status === 'used' ? 'sendGrantUsed' : 'sendGrantRejected', { kind });
}

/**
 * A template message, a subscription notice or a customer-service text to one openid:
 * checked first (what will go out is shown, with the window or the grant the server knows
 * of; nothing is sent), then sent, the body checked and no other.
 */
export function SendPage({ account }: SendPageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [kind, setKind] = useState<SendKind>('template');
  const [templates, setTemplates] = useState<Templates>({ state: 'loading' });
  const [notices, setNotices] = useState<Templates>({ state: 'loading' });
  const [templateId, setTemplateId] = useState('');
  const [values, setValues] = useState<Record<string, string>>({});
  const [openid, setOpenid] = useState('');
  const [url, setUrl] = useState('');
  const [content, setContent] = useState('');
  const [check, setCheck] = useState<Check>({ kind: 'none' });
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  /** Bumped by every edit and check: an answer to a check of older fields is dropped. */
  const checkSeq = useRef(0);

  useEffect(() => {
    let cancelled = false;
    const load = (fetch: () => Promise<Template[]>, set: (templates: Templates) => void): void => {
      set({ state: 'loading' });
      fetch().then(
        (list) => {
          if (!cancelled) set({ state: 'ready', templates: list });
        },
        (error: unknown) => {
          if (!cancelled) set({ state: 'failed', error: messageOf(error) });
        },
      );
    };
    load(() => getTemplates(account), setTemplates);
    load(() => getNotices(account), setNotices);
    return () => {
      cancelled = true;
    };
  }, [account]);

  /** The list the chosen kind picks from: template messages, or notice templates. */
  const choices = kind === 'subscribe' ? notices : templates;
  const template = choices.state === 'ready' ? choices.templates.find((item) => item.template_id === templateId) : undefined;

  /** Any edit: the last check no longer says what would go out. */
  function edited(): void {
    checkSeq.current += 1;
    setCheck({ kind: 'none' });
    setStatus((previous) => (previous.kind === 'sending' ? previous : { kind: 'idle' }));
  }

  function bodyOf(): Body {
    if (kind === 'custom') return { touser: openid.trim(), reply: { type: 'text', content } };
    const data: Record<string, string> = {};
    // Only the filled placeholders: the server names the ones left out.
    for (const key of template?.placeholders ?? []) {
      const value = values[key] ?? '';
      if (value !== '') data[key] = value;
    }
    const trimmedUrl = url.trim();
    const link = trimmedUrl === '' ? {} : kind === 'subscribe' ? { page: trimmedUrl } : { url: trimmedUrl };
    return { touser: openid.trim(), template_id: templateId, data, ...link };
  }

  function runCheck(): void {
    const body = bodyOf();
    const sendKind = kind;
    const seq = ++checkSeq.current;
    setCheck({ kind: 'checking' });
    setStatus({ kind: 'idle' });
    checkSend(account, kind, body).then(
      (answer) => {
        if (seq === checkSeq.current) setCheck({ kind: 'ok', sendKind, body, answer });
      },
      (error: unknown) => {
        if (seq === checkSeq.current) setCheck({ kind: 'invalid', error: messageOf(error) });
      },
    );
  }

  function runSend(): void {
    if (check.kind !== 'ok') return;
    setStatus({ kind: 'sending' });
    send(account, check.sendKind, check.body).then(
      (result) =>
        setStatus({
          kind: 'sent',
          text:
            result.msgid !== undefined
              ? t('sendSent', { msgid: String(result.msgid) })
              : result.sent === true
                ? t('sendSentNotice')
                : t('sendSentPieces', { n: result.sent ?? 1 }),
        }),
      (error: unknown) => setStatus({ kind: 'failed', error: messageOf(error) }),
    );
  }

  const pieces = check.kind === 'ok' && 'pieces' in check.answer ? check.answer.pieces : 1;
  const canCheck = check.kind !== 'checking' && status.kind !== 'sending' && (kind === 'custom' || template !== undefined);
  const reach = check.kind === 'ok' ? reachNote(i18n, check.answer) : undefined;
  const canSend = check.kind === 'ok' && status.kind !== 'sending' && status.kind !== 'sent';

  return (
    <div class="send" data-testid="send">
      <fieldset class="send-kind">
        <legend>{t('sendKind')}</legend>
        {(['template', 'subscribe', 'custom'] as const).map((option) => (
          <label key={option} for={`send-kind-${option}`}>
            <input
              id={`send-kind-${option}`}
              type="radio"
              name="send-kind"
              value={option}
              data-testid={`send-kind-${option}`}
              checked={kind === option}
              onChange={() => {
                setKind(option);
                setTemplateId('');
                setValues({});
                edited();
              }}
            />{' '}
            {t(option === 'template' ? 'sendKindTemplate' : option === 'subscribe' ? 'sendKindSubscribe' : 'sendKindCustom')}
          </label>
        ))}
      </fieldset>

      <div class="send-fields">
        {kind !== 'custom' &&
          (choices.state === 'loading' ? (
            <p class="muted" role="status">
              {t('loading')}
            </p>
          ) : choices.state === 'failed' ? (
            <p class="error" role="alert" data-testid="send-templates-error">
              {t('sendTemplatesFailed', { error: choices.error })}
            </p>
          ) : choices.templates.length === 0 ? (
            <p class="note" role="note">
              {t(kind === 'subscribe' ? 'sendNoticeNone' : 'sendTemplateNone')}
            </p>
          ) : (
            <>
              <label for="send-template">
                {t('sendTemplate')}
                <select
                  id="send-template"
                  data-testid="send-template"
                  value={templateId}
                  onChange={(event) => {
                    setTemplateId(event.currentTarget.value);
                    setValues({});
                    edited();
                  }}
                >
                  <option value="">{t('sendTemplateChoose')}</option>
                  {choices.templates.map((item) => (
                    <option key={item.template_id} value={item.template_id}>
                      {item.title} ({item.template_id})
                    </option>
                  ))}
                </select>
              </label>
              {template?.placeholders.map((key) => (
                <label key={`${template.template_id}:${key}`} for={`send-field-${key}`}>
                  {key}
                  <input
                    id={`send-field-${key}`}
                    type="text"
                    data-testid={`send-field-${key}`}
                    value={values[key] ?? ''}
                    onInput={(event) => {
                      const value = event.currentTarget.value;
                      setValues((previous) => ({ ...previous, [key]: value }));
                      edited();
                    }}
                  />
                </label>
              ))}
            </>
          ))}

        <label for="send-openid">
          {t('sendOpenid')}
          <input
            id="send-openid"
            type="text"
            data-testid="send-openid"
            autocomplete="off"
            spellcheck={false}
            value={openid}
            onInput={(event) => {
              setOpenid(event.currentTarget.value);
              edited();
            }}
          />
        </label>

        {kind !== 'custom' ? (
          <label for="send-url">
            {t(kind === 'subscribe' ? 'sendPage' : 'sendUrl')}
            <input
              id="send-url"
              type="url"
              data-testid="send-url"
              value={url}
              onInput={(event) => {
                setUrl(event.currentTarget.value);
                edited();
              }}
            />
          </label>
        ) : (
          <label for="send-content">
            {t('sendContent')}
            <textarea
              id="send-content"
              data-testid="send-content"
              rows={6}
              value={content}
              onInput={(event) => {
                setContent(event.currentTarget.value);
                edited();
              }}
            />
          </label>
        )}
      </div>

      <p id="send-check-hint" class="hint">
        {t('sendCheckHint')}
      </p>
      <div class="save-bar">
        <button
          type="button"
          class="secondary"
          data-testid="send-check"
          aria-describedby="send-check-hint"
          disabled={!canCheck}
          onClick={runCheck}
        >
          {check.kind === 'checking' ? t('sendChecking') : t('sendCheck')}
        </button>
        <button type="button" data-testid="send-submit" disabled={!canSend} onClick={runSend}>
          {status.kind === 'sending' ? t('sendSending') : t('sendSubmit')}
        </button>
        <p
          data-testid="send-status"
          class={`save-status ${status.kind === 'sent' ? 'save-saved' : status.kind === 'failed' ? 'save-failed' : ''}`}
          role="status"
        >
          {status.kind === 'sent' && status.text}
          {status.kind === 'failed' && t('sendFailed', { error: status.error })}
        </p>
      </div>

      {check.kind === 'invalid' && (
        <p class="error" role="alert" data-testid="send-error">
          {t('sendCheckFailed', { error: check.error })}
        </p>
      )}
      {check.kind === 'ok' && (
        <div class="send-preview">
          <p>{t('sendPreviewLabel')}</p>
          {pieces > 1 && (
            <p class="note" data-testid="send-pieces">
              {t('sendPieces', { n: pieces })}
            </p>
          )}
          {reach !== undefined && (
            <p class="note" data-testid="send-reach">
              {reach}
            </p>
          )}
          <pre data-testid="send-preview">{JSON.stringify(previewOf(check.answer), null, 2)}</pre>
        </div>
      )}
    </div>
  );
}
