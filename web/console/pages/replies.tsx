import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { checkReplies, getReplies, saveReplies, type Problem } from '../api.js';
import { CodeEditor } from '../components/code-editor.js';
import { Phone, type Prefill } from '../components/phone.js';
import { InstanceVersions } from '../components/instance-versions.js';
import { formatTime, useI18n } from '../i18n.js';

/** How long typing pauses before the rules are checked. */
const CHECK_DELAY_MS = 300;

interface RepliesPageProps {
  account: string | null;
  /** A message replayed from the live list, for the phone's input. */
  prefill: Prefill | null;
  /** Tells the layout whether there are unsaved changes (it asks before switching accounts). */
  onDirtyChange: (dirty: boolean) => void;
}

interface Loaded {
  file: string | null;
  /** The hash of the file as last loaded or saved: a save is refused if it changed since. */
  baseHash: string;
  /** The text as last loaded or saved. */
  savedSource: string;
}

type SaveStatus =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: Date }
  | { kind: 'invalid' }
  | { kind: 'conflict'; error: string }
  | { kind: 'failed'; error: string };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The account's replies file in an editor, checked as it is typed, previewed in a phone, saved. */
export function RepliesPage({ account, prefill, onDirtyChange }: RepliesPageProps) {
  const { t, lang } = useI18n();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loadCount, setLoadCount] = useState(0);
  const [source, setSource] = useState('');
  const [problems, setProblems] = useState<Problem[]>([]);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [status, setStatus] = useState<SaveStatus>({ kind: 'idle' });
  const textareaRef = useRef<HTMLTextAreaElement>(null);
  const checkSeq = useRef(0);

  useEffect(() => {
    let cancelled = false;
    setLoadError(null);
    getReplies(account).then(
      (replies) => {
        if (cancelled) return;
        setLoaded({ file: replies.file, baseHash: replies.hash, savedSource: replies.source });
        setSource(replies.source);
        setProblems([]);
        setStatus({ kind: 'idle' });
      },
      (error: unknown) => {
        if (!cancelled) setLoadError(messageOf(error));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [account, loadCount]);

  const editable = loaded !== null && loaded.file !== null;

  // Check the rules once typing pauses; an answer to an older text is dropped.
  useEffect(() => {
    if (!editable) return;
    const seq = ++checkSeq.current;
    setChecking(true);
    const timer = window.setTimeout(() => {
      checkReplies(account, source).then(
        (found) => {
          if (seq !== checkSeq.current) return;
          setProblems(found);
          setCheckError(null);
          setChecking(false);
        },
        (error: unknown) => {
          if (seq !== checkSeq.current) return;
          setCheckError(messageOf(error));
          setChecking(false);
        },
      );
    }, CHECK_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [account, source, editable]);

  const dirty = loaded !== null && source !== loaded.savedSource;
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent): void => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const problemLines = useMemo(() => new Set(problems.flatMap((problem) => (problem.line === null ? [] : [problem.line]))), [problems]);

  const onChange = useCallback((value: string) => {
    setSource(value);
    setStatus((previous) => (previous.kind === 'saving' ? previous : { kind: 'idle' }));
  }, []);

  function goToLine(line: number): void {
    const textarea = textareaRef.current;
    if (!textarea) return;
    const lines = textarea.value.split('\n');
    const start = lines.slice(0, line - 1).reduce((sum, text) => sum + text.length + 1, 0);
    const end = start + (lines[line - 1]?.length ?? 0);
    textarea.focus();
    textarea.setSelectionRange(start, end);
  }

  function save(): void {
    if (loaded === null || !editable) return;
    const saving = source;
    setStatus({ kind: 'saving' });
    saveReplies(account, saving, loaded.baseHash).then(
      (result) => {
        switch (result.kind) {
          case 'ok':
            setLoaded({ file: loaded.file, baseHash: result.data.hash, savedSource: saving });
            setStatus({ kind: 'saved', at: new Date() });
            return;
          case 'invalid':
            setProblems(result.problems);
            setStatus({ kind: 'invalid' });
            return;
          case 'conflict':
            setStatus({ kind: 'conflict', error: result.error });
            return;
        }
      },
      (error: unknown) => setStatus({ kind: 'failed', error: messageOf(error) }),
    );
  }

  function reload(): void {
    setLoadCount((n) => n + 1);
  }

  if (loaded === null) {
    return (
      <div class="replies">
        {loadError === null ? (
          <p class="muted" role="status">
            {t('loading')}
          </p>
        ) : (
          <p class="error" role="alert">
            {t('loadFailed', { error: loadError })}{' '}
            <button type="button" onClick={reload}>
              {t('retry')}
            </button>
          </p>
        )}
      </div>
    );
  }

  const hasProblems = problems.length > 0;
  return (
    <div class="replies">
      <div class="replies-editor">
        {loaded.file === null ? (
          <p class="note" role="note">
            {t('repliesNoFile')}
          </p>
        ) : (
          <p class="muted">
            {t('repliesFile', { file: loaded.file })}
            {dirty && <span class="badge unsaved">{t('unsaved')}</span>}
          </p>
        )}
        <label for="replies-editor">{t('editorLabel')}</label>
        <p id="replies-editor-hint" class="hint">
          {t('editorHint')}
        </p>
        <CodeEditor
          id="replies-editor"
          testId="replies-editor"
          value={source}
          onChange={onChange}
          problemLines={problemLines}
          invalid={hasProblems}
          disabled={!editable}
          describedBy="replies-editor-hint replies-check"
          textareaRef={textareaRef}
        />
        <p id="replies-check" class={hasProblems || checkError !== null ? 'check error' : 'check'} role="status">
          {editable &&
            (checking
              ? t('checking')
              : checkError !== null
                ? t('checkFailed', { error: checkError })
                : hasProblems
                  ? t('problemsCount', { n: problems.length })
                  : t('noProblems'))}
        </p>
        <ul class="problems" data-testid="replies-problems">
          {problems.map((problem, index) => (
            <li key={index}>
              {problem.line !== null && (
                <button
                  type="button"
                  class="link"
                  aria-label={t('problemGoTo', { line: problem.line })}
                  onClick={() => goToLine(problem.line ?? 1)}
                >
                  {t('problemLine', { line: problem.line })}
                </button>
              )}{' '}
              <span>{problem.message}</span>
            </li>
          ))}
        </ul>
        <div class="save-bar">
          <button type="button" data-testid="replies-save" onClick={save} disabled={!editable || hasProblems || status.kind === 'saving'}>
            {status.kind === 'saving' ? t('saving') : t('save')}
          </button>
          <p data-testid="replies-status" class={`save-status save-${status.kind}`} role="status">
            {status.kind === 'saved' && t('saved', { time: formatTime(lang, status.at) })}
            {status.kind === 'invalid' && t('notSavedInvalid')}
            {status.kind === 'conflict' && t('conflict', { error: status.error })}
            {status.kind === 'failed' && t('saveFailed', { error: status.error })}
          </p>
          {status.kind === 'conflict' && (
            <button type="button" class="secondary" onClick={reload}>
              {t('reloadDiscard')}
            </button>
          )}
        </div>
        <InstanceVersions account={account} savedAt={status.kind === 'saved' ? status.at.getTime() : 0} />
      </div>
      <Phone account={account} source={source} prefill={prefill} />
    </div>
  );
}
