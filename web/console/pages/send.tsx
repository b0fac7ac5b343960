import { useEffect, useRef, useState } from 'preact/hooks';
import { checkSend, getTemplates, send, type CheckedSend, type CustomSend, type Template, type TemplateSend } from '../api.js';
import { useI18n } from '../i18n.js';

interface SendPageProps {
  account: string | null;
}

type Kind = 'template' | 'custom';

type Templates = { state: 'loading' } | { state: 'failed'; error: string } | { state: 'ready'; templates: Template[] };

/** What the last check answered, for the body it checked: Send posts that body, nothing else. */
type Check =
  | { kind: 'none' }
  | { kind: 'checking' }
  | { kind: 'invalid'; error: string }
  | { kind: 'ok'; body: TemplateSend | CustomSend; answer: CheckedSend };

type Status = { kind: 'idle' } | { kind: 'sending' } | { kind: 'sent'; text: string } | { kind: 'failed'; error: string };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What goes out, as the server answered it: the template message, or the customer-service text. */
function previewOf(answer: CheckedSend): unknown {
  return 'message' in answer ? answer.message : answer;
}

/**
 * A template message or a customer-service text to one openid: checked first (what will go
 * out is shown, nothing is sent), then sent, the body checked and no other.
 */
export function SendPage({ account }: SendPageProps) {
  const { t } = useI18n();
  const [kind, setKind] = useState<Kind>('template');
  const [templates, setTemplates] = useState<Templates>({ state: 'loading' });
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
    setTemplates({ state: 'loading' });
    getTemplates(account).then(
      (list) => {
        if (!cancelled) setTemplates({ state: 'ready', templates: list });
      },
      (error: unknown) => {
        if (!cancelled) setTemplates({ state: 'failed', error: messageOf(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [account]);

  const template = templates.state === 'ready' ? templates.templates.find((item) => item.template_id === templateId) : undefined;

  /** Any edit: the last check no longer says what would go out. */
  function edited(): void {
    checkSeq.current += 1;
    setCheck({ kind: 'none' });
    setStatus((previous) => (previous.kind === 'sending' ? previous : { kind: 'idle' }));
  }

  function bodyOf(): TemplateSend | CustomSend {
    if (kind === 'custom') return { touser: openid.trim(), reply: { type: 'text', content } };
    const data: Record<string, string> = {};
    // Only the filled placeholders: the server names the ones left out.
    for (const key of template?.placeholders ?? []) {
      const value = values[key] ?? '';
      if (value !== '') data[key] = value;
    }
    const trimmedUrl = url.trim();
    return { touser: openid.trim(), template_id: templateId, data, ...(trimmedUrl === '' ? {} : { url: trimmedUrl }) };
  }

  function runCheck(): void {
    const body = bodyOf();
    const seq = ++checkSeq.current;
    setCheck({ kind: 'checking' });
    setStatus({ kind: 'idle' });
    checkSend(account, kind, body).then(
      (answer) => {
        if (seq === checkSeq.current) setCheck({ kind: 'ok', body, answer });
      },
      (error: unknown) => {
        if (seq === checkSeq.current) setCheck({ kind: 'invalid', error: messageOf(error) });
      },
    );
  }

  function runSend(): void {
    if (check.kind !== 'ok') return;
    const sentKind = 'message' in check.answer ? 'template' : 'custom';
    setStatus({ kind: 'sending' });
    send(account, sentKind, check.body).then(
      (result) =>
        setStatus({
          kind: 'sent',
          text: result.msgid !== undefined ? t('sendSent', { msgid: String(result.msgid) }) : t('sendSentPieces', { n: result.sent ?? 1 }),
        }),
      (error: unknown) => setStatus({ kind: 'failed', error: messageOf(error) }),
    );
  }

  const pieces = check.kind === 'ok' && 'pieces' in check.answer ? check.answer.pieces : 1;
  const canCheck = check.kind !== 'checking' && status.kind !== 'sending' && (kind === 'custom' || template !== undefined);
  const canSend = check.kind === 'ok' && status.kind !== 'sending' && status.kind !== 'sent';

  return (
    <div class="send" data-testid="send">
      <fieldset class="send-kind">
        <legend>{t('sendKind')}</legend>
        {(['template', 'custom'] as const).map((option) => (
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
                edited();
              }}
            />{' '}
            {t(option === 'template' ? 'sendKindTemplate' : 'sendKindCustom')}
          </label>
        ))}
      </fieldset>

      <div class="send-fields">
        {kind === 'template' &&
          (templates.state === 'loading' ? (
            <p class="muted" role="status">
              {t('loading')}
            </p>
          ) : templates.state === 'failed' ? (
            <p class="error" role="alert" data-testid="send-templates-error">
              {t('sendTemplatesFailed', { error: templates.error })}
            </p>
          ) : templates.templates.length === 0 ? (
            <p class="note" role="note">
              {t('sendTemplateNone')}
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
                  {templates.templates.map((item) => (
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

        {kind === 'template' ? (
          <label for="send-url">
            {t('sendUrl')}
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
          <pre data-testid="send-preview">{JSON.stringify(previewOf(check.answer), null, 2)}</pre>
        </div>
      )}
    </div>
  );
}
