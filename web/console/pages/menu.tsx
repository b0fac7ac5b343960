import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import {
  checkMenu,
  diffMenu,
  getMenu,
  pushMenu,
  saveMenu,
  type Menu,
  type MenuButton,
  type MenuDifference,
  type MenuProblem,
} from '../api.js';
import { MenuPreview } from '../components/menu-preview.js';
import { formatTime, useI18n, type I18n } from '../i18n.js';

/** How long editing pauses before the menu is checked by the server. */
const CHECK_DELAY_MS = 300;

/** WeChat's limits (src/menu/schema.ts has them all; these are shown as soon as they are crossed). */
const MAX_TOP = 3;
const MAX_SUB = 5;
const TOP_NAME_BYTES = 16;
const SUB_NAME_BYTES = 60;

const KEY_TYPES = ['click', 'scancode_push', 'scancode_waitmsg', 'pic_sysphoto', 'pic_photo_or_album', 'pic_weixin', 'location_select'];
const TYPES = [...KEY_TYPES, 'view', 'miniprogram', 'media_id', 'article_id'];
/** The top-level choice "a sub-menu" (a button without a type). */
const SUB_MENU = '';

type Field = 'key' | 'url' | 'appid' | 'pagepath' | 'media_id' | 'article_id';

/** The fields a type needs besides its name. */
function fieldsOf(type: string | undefined): Field[] {
  if (type === undefined) return [];
  if (KEY_TYPES.includes(type)) return ['key'];
  switch (type) {
    case 'view':
      return ['url'];
    case 'miniprogram':
      return ['appid', 'pagepath', 'url'];
    case 'media_id':
      return ['media_id'];
    case 'article_id':
    case 'article_view_limited':
      return ['article_id'];
    default:
      return [];
  }
}

/** The button with another type: its name, the type, and the fields the type needs (kept when it had them). */
function withType(button: MenuButton, type: string): MenuButton {
  if (type === SUB_MENU) return { name: button.name, sub_button: Array.isArray(button.sub_button) ? button.sub_button : [] };
  const next: MenuButton = { name: button.name, type };
  for (const field of fieldsOf(type)) next[field] = typeof button[field] === 'string' ? button[field] : '';
  return next;
}

const newButton = (): MenuButton => ({ name: '', type: 'click', key: '' });

function move<T>(items: readonly T[], from: number, to: number): T[] {
  if (to < 0 || to >= items.length) return [...items];
  const next = [...items];
  const [item] = next.splice(from, 1);
  next.splice(to, 0, item as T);
  return next;
}

const bytes = (text: unknown): number => (typeof text === 'string' ? new TextEncoder().encode(text).length : 0);
const textOf = (value: unknown): string => (typeof value === 'string' ? value : '');

/** `button[1]`, `button[1].sub_button[2]`. */
function pathOf(index: number, subIndex?: number): string {
  return subIndex === undefined ? `button[${index}]` : `button[${index}].sub_button[${subIndex}]`;
}

/** The id of the input of `field` of a button (`button[1].sub_button[2].name` → menu-1-2-name). */
function inputId(index: number, subIndex: number | undefined, field: string): string {
  return `menu-${index}-${subIndex ?? 'x'}-${field}`;
}

/** The input a problem's path names, if the editor has one. */
function inputIdOfPath(path: string): string | null {
  const match = /^button\[(\d+)\](?:\.sub_button\[(\d+)\])?\.(\w+)$/.exec(path);
  if (!match) return null;
  return inputId(Number(match[1]), match[2] === undefined ? undefined : Number(match[2]), match[3] ?? '');
}

/** What the client sees at once, before the server's check answers: counts and name lengths. */
function hintsOf(i18n: I18n, buttons: readonly MenuButton[]): string[] {
  const { t } = i18n;
  const hints: string[] = [];
  if (buttons.length > MAX_TOP) hints.push(t('menuHintTop', { n: buttons.length }));
  buttons.forEach((button, index) => {
    const name = textOf(button.name) === '' ? t('menuUnnamed') : textOf(button.name);
    if (bytes(button.name) > TOP_NAME_BYTES)
      hints.push(t('menuHintBytes', { path: `${pathOf(index)}.name`, n: bytes(button.name), limit: TOP_NAME_BYTES }));
    if (!Array.isArray(button.sub_button)) return;
    if (button.sub_button.length > MAX_SUB) hints.push(t('menuHintSub', { name, n: button.sub_button.length }));
    if (button.sub_button.length === 0) hints.push(t('menuHintNoSub', { name }));
    button.sub_button.forEach((sub, subIndex) => {
      if (bytes(sub.name) > SUB_NAME_BYTES)
        hints.push(t('menuHintBytes', { path: `${pathOf(index, subIndex)}.name`, n: bytes(sub.name), limit: SUB_NAME_BYTES }));
    });
  });
  return hints;
}

/** A value of a difference, as text. */
function shown(i18n: I18n, value: unknown): string {
  return value === undefined ? i18n.t('menuAbsent') : JSON.stringify(value);
}

interface Loaded {
  file: string | null;
  /** The hash of the file as last loaded or saved: a save is refused if it changed since, a push names it. */
  baseHash: string;
  /** The menu as last loaded or saved; null when the file is not a menu the editor can take. */
  savedMenu: Menu | null;
  loadProblems: MenuProblem[];
}

type Status =
  | { kind: 'idle' }
  | { kind: 'saving' }
  | { kind: 'saved'; at: Date }
  | { kind: 'invalid' }
  | { kind: 'conflict'; error: string }
  | { kind: 'failed'; error: string }
  | { kind: 'pushing' }
  | { kind: 'pushed'; at: Date }
  | { kind: 'push-failed'; error: string };

type Comparison =
  { state: 'idle' } | { state: 'comparing' } | { state: 'done'; differences: MenuDifference[] } | { state: 'failed'; error: string };

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** The loaded value as a menu the editor can take: an object with a `button` array. */
function editableMenu(value: unknown): Menu | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const menu = value as { button?: unknown };
  return Array.isArray(menu.button) ? (value as Menu) : null;
}

interface MenuPageProps {
  account: string | null;
  /** Tells the layout whether there are unsaved changes (it asks before switching accounts). */
  onDirtyChange: (dirty: boolean) => void;
}

/** The account's menu file as a tree of buttons, checked as it is edited, previewed, compared with WeChat, saved and pushed. */
export function MenuPage({ account, onDirtyChange }: MenuPageProps) {
  const i18n = useI18n();
  const { t, lang } = i18n;
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [loadCount, setLoadCount] = useState(0);
  const [menu, setMenu] = useState<Menu>({ button: [] });
  const [problems, setProblems] = useState<MenuProblem[]>([]);
  const [checking, setChecking] = useState(false);
  const [checkError, setCheckError] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  const [comparison, setComparison] = useState<Comparison>({ state: 'idle' });
  const dialogRef = useRef<HTMLDialogElement>(null);
  const checkSeq = useRef(0);

  useEffect(() => {
    let cancelled = false;
    setLoadError(null);
    getMenu(account).then(
      (read) => {
        if (cancelled) return;
        const savedMenu = read.file === null ? null : editableMenu(read.menu);
        setLoaded({ file: read.file, baseHash: read.hash, savedMenu, loadProblems: read.problems });
        setMenu(savedMenu ?? { button: [] });
        setProblems(read.problems);
        setStatus({ kind: 'idle' });
        setComparison({ state: 'idle' });
      },
      (error: unknown) => {
        if (!cancelled) setLoadError(messageOf(error));
      },
    );
    return () => {
      cancelled = true;
    };
  }, [account, loadCount]);

  const editable = loaded !== null && loaded.savedMenu !== null;

  // Check the menu once editing pauses; an answer about an older menu is dropped.
  useEffect(() => {
    if (!editable) return;
    const seq = ++checkSeq.current;
    setChecking(true);
    const timer = window.setTimeout(() => {
      checkMenu(account, menu).then(
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
  }, [account, menu, editable]);

  const savedJson = useMemo(() => (loaded?.savedMenu ? JSON.stringify(loaded.savedMenu) : null), [loaded]);
  const dirty = editable && JSON.stringify(menu) !== savedJson;
  useEffect(() => onDirtyChange(dirty), [dirty, onDirtyChange]);
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent): void => event.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const hints = useMemo(() => hintsOf(i18n, menu.button), [i18n, menu]);
  const problemPaths = useMemo(() => new Set(problems.map((problem) => problem.path)), [problems]);

  function edit(change: (buttons: MenuButton[]) => MenuButton[]): void {
    setMenu((previous) => ({ ...previous, button: change(previous.button) }));
    setStatus((previous) => (previous.kind === 'saving' || previous.kind === 'pushing' ? previous : { kind: 'idle' }));
    setComparison({ state: 'idle' });
  }

  /** Changes one button (a top-level one, or a sub-button when `subIndex` is given). */
  function editButton(index: number, subIndex: number | undefined, change: (button: MenuButton) => MenuButton): void {
    edit((buttons) =>
      buttons.map((button, i) => {
        if (i !== index) return button;
        if (subIndex === undefined) return change(button);
        return { ...button, sub_button: (button.sub_button ?? []).map((sub, j) => (j === subIndex ? change(sub) : sub)) };
      }),
    );
  }

  function editSubs(index: number, change: (subs: MenuButton[]) => MenuButton[]): void {
    edit((buttons) => buttons.map((button, i) => (i === index ? { ...button, sub_button: change(button.sub_button ?? []) } : button)));
  }

  function focusPath(path: string): void {
    const id = inputIdOfPath(path);
    if (id !== null) document.getElementById(id)?.focus();
  }

  function save(): void {
    if (loaded === null || !editable) return;
    const saving = menu;
    setStatus({ kind: 'saving' });
    saveMenu(account, saving, loaded.baseHash).then(
      (result) => {
        switch (result.kind) {
          case 'ok':
            setLoaded({ ...loaded, baseHash: result.data.hash, savedMenu: saving });
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

  function compare(): void {
    setComparison({ state: 'comparing' });
    diffMenu(account, menu).then(
      (found) => setComparison({ state: 'done', differences: found.differences }),
      (error: unknown) => setComparison({ state: 'failed', error: messageOf(error) }),
    );
  }

  function openPush(): void {
    dialogRef.current?.showModal();
  }

  function closePush(): void {
    dialogRef.current?.close();
  }

  function push(): void {
    if (loaded === null) return;
    closePush();
    setStatus({ kind: 'pushing' });
    pushMenu(account, loaded.baseHash).then(
      (result) => {
        switch (result.kind) {
          case 'ok':
            setStatus({ kind: 'pushed', at: new Date() });
            setComparison({ state: 'idle' });
            return;
          case 'invalid':
            setStatus({ kind: 'push-failed', error: result.problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ') });
            return;
          case 'conflict':
            setStatus({ kind: 'push-failed', error: result.error });
            return;
        }
      },
      (error: unknown) => setStatus({ kind: 'push-failed', error: messageOf(error) }),
    );
  }

  function reload(): void {
    setLoadCount((n) => n + 1);
  }

  if (loaded === null) {
    return (
      <div class="menu">
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

  if (loaded.file === null || loaded.savedMenu === null) {
    return (
      <div class="menu">
        <div class="menu-main">
          {loaded.file === null ? (
            <p class="note" role="note">
              {t('menuNoFile')}
            </p>
          ) : (
            <>
              <p class="muted">{t('menuFile', { file: loaded.file })}</p>
              <p class="note" role="note">
                {t('menuNotEditable')}
              </p>
              <ul class="problems" data-testid="menu-problems">
                {loaded.loadProblems.map((problem, index) => (
                  <li key={index}>{`${problem.path}: ${problem.message}`}</li>
                ))}
              </ul>
              <button type="button" class="secondary" onClick={reload}>
                {t('retry')}
              </button>
            </>
          )}
        </div>
      </div>
    );
  }

  const blocked = problems.length > 0 || hints.length > 0;
  const busy = status.kind === 'saving' || status.kind === 'pushing' || checking;
  const conditional = Array.isArray(menu.conditional) ? menu.conditional.length : 0;

  function typeSelect(button: MenuButton, index: number, subIndex: number | undefined) {
    const id = inputId(index, subIndex, 'type');
    const current = Array.isArray(button.sub_button) && button.type === undefined ? SUB_MENU : textOf(button.type);
    const options = TYPES.includes(current) || current === SUB_MENU ? TYPES : [current, ...TYPES];
    return (
      <label for={id}>
        {t('menuType')}
        <select
          id={id}
          value={current}
          aria-invalid={problemPaths.has(`${pathOf(index, subIndex)}.type`) || problemPaths.has(pathOf(index, subIndex))}
          onChange={(event) => editButton(index, subIndex, (b) => withType(b, event.currentTarget.value))}
        >
          {subIndex === undefined && <option value={SUB_MENU}>{t('menuTypeSub')}</option>}
          {options.map((type) => (
            <option key={type} value={type}>
              {type}
            </option>
          ))}
        </select>
      </label>
    );
  }

  function fields(button: MenuButton, index: number, subIndex: number | undefined, nameTestId?: string) {
    const base = pathOf(index, subIndex);
    const nameId = inputId(index, subIndex, 'name');
    return (
      <div class="menu-fields">
        <label for={nameId}>
          {t('menuName')}
          <input
            id={nameId}
            type="text"
            data-testid={nameTestId}
            value={textOf(button.name)}
            aria-invalid={problemPaths.has(`${base}.name`)}
            onInput={(event) => {
              const name = event.currentTarget.value;
              editButton(index, subIndex, (b) => ({ ...b, name }));
            }}
          />
        </label>
        {typeSelect(button, index, subIndex)}
        {fieldsOf(button.type).map((field) => {
          const id = inputId(index, subIndex, field);
          return (
            <label key={field} for={id}>
              {field}
              <input
                id={id}
                type="text"
                value={textOf(button[field])}
                aria-invalid={problemPaths.has(`${base}.${field}`)}
                onInput={(event) => {
                  const value = event.currentTarget.value;
                  editButton(index, subIndex, (b) => ({ ...b, [field]: value }));
                }}
              />
            </label>
          );
        })}
      </div>
    );
  }

  function actions(name: string, index: number, count: number, onMove: (to: number) => void, onRemove: () => void) {
    const label = name === '' ? t('menuUnnamed') : name;
    return (
      <>
        <button
          type="button"
          class="secondary"
          disabled={index === 0}
          aria-label={t('menuMoveUpLabel', { name: label })}
          onClick={() => onMove(index - 1)}
        >
          {t('menuMoveUp')}
        </button>
        <button
          type="button"
          class="secondary"
          disabled={index === count - 1}
          aria-label={t('menuMoveDownLabel', { name: label })}
          onClick={() => onMove(index + 1)}
        >
          {t('menuMoveDown')}
        </button>
        <button type="button" class="secondary" aria-label={t('menuRemoveLabel', { name: label })} onClick={onRemove}>
          {t('menuRemove')}
        </button>
      </>
    );
  }

  const saved = loaded.savedMenu;
  return (
    <div class="menu">
      <div class="menu-main">
        <p class="muted">
          {t('menuFile', { file: loaded.file })}
          {dirty && <span class="badge unsaved">{t('unsaved')}</span>}
        </p>
        {conditional > 0 && (
          <p class="note" role="note">
            {t('menuConditional', { n: conditional })}
          </p>
        )}
        <h3 id="menu-editor-title">{t('menuEditorLabel')}</h3>
        {menu.button.length === 0 && <p class="muted">{t('menuEmpty')}</p>}
        <ol class="menu-tree" data-testid="menu-editor" aria-labelledby="menu-editor-title">
          {menu.button.map((button, index) => (
            <li key={index}>
              <fieldset class="menu-node">
                <legend>{t('menuButtonLegend', { n: index + 1 })}</legend>
                {fields(button, index, undefined, 'menu-button-name')}
                <div class="menu-actions">
                  {actions(
                    textOf(button.name),
                    index,
                    menu.button.length,
                    (to) => edit((buttons) => move(buttons, index, to)),
                    () => edit((buttons) => buttons.filter((_, i) => i !== index)),
                  )}
                  {Array.isArray(button.sub_button) && (
                    <button type="button" class="secondary" onClick={() => editSubs(index, (subs) => [...subs, newButton()])}>
                      {t('menuAddSub')}
                    </button>
                  )}
                </div>
                {Array.isArray(button.sub_button) && button.sub_button.length > 0 && (
                  <ol>
                    {button.sub_button.map((sub, subIndex, subs) => (
                      <li key={subIndex}>
                        <fieldset class="menu-node">
                          <legend>{t('menuSubLegend', { n: index + 1, m: subIndex + 1 })}</legend>
                          {fields(sub, index, subIndex)}
                          <div class="menu-actions">
                            {actions(
                              textOf(sub.name),
                              subIndex,
                              subs.length,
                              (to) => editSubs(index, (all) => move(all, subIndex, to)),
                              () => editSubs(index, (all) => all.filter((_, j) => j !== subIndex)),
                            )}
                          </div>
                        </fieldset>
                      </li>
                    ))}
                  </ol>
                )}
              </fieldset>
            </li>
          ))}
        </ol>
        <button type="button" data-testid="menu-add-button" onClick={() => edit((buttons) => [...buttons, newButton()])}>
          {t('menuAddButton')}
        </button>

        <p id="menu-check" class={blocked || checkError !== null ? 'check error' : 'check'} role="status">
          {checking
            ? t('checking')
            : checkError !== null
              ? t('checkFailed', { error: checkError })
              : blocked
                ? t('problemsCount', { n: problems.length + hints.length })
                : t('noProblems')}
        </p>
        <ul class="menu-hints">
          {hints.map((hint, index) => (
            <li key={index}>{hint}</li>
          ))}
        </ul>
        <ul class="problems" data-testid="menu-problems">
          {problems.map((problem, index) =>
            inputIdOfPath(problem.path) === null ? (
              <li key={index}>{`${problem.path}: ${problem.message}`}</li>
            ) : (
              <li key={index}>
                <button type="button" class="link" onClick={() => focusPath(problem.path)}>
                  {problem.path}
                </button>
                {`: ${problem.message}`}
              </li>
            ),
          )}
        </ul>

        <div class="save-bar">
          <button type="button" data-testid="menu-save" onClick={save} disabled={!dirty || blocked || busy}>
            {status.kind === 'saving' ? t('saving') : t('save')}
          </button>
          <button
            type="button"
            class="secondary"
            data-testid="menu-push"
            onClick={openPush}
            disabled={dirty || blocked || busy}
            aria-describedby="menu-push-hint"
          >
            {status.kind === 'pushing' ? t('menuPushing') : t('menuPush')}
          </button>
          <p
            data-testid="menu-status"
            class={`save-status save-${status.kind === 'pushed' ? 'saved' : status.kind === 'push-failed' ? 'failed' : status.kind}`}
            role="status"
          >
            {status.kind === 'saved' && t('saved', { time: formatTime(lang, status.at) })}
            {status.kind === 'invalid' && t('notSavedInvalid')}
            {status.kind === 'conflict' && t('conflict', { error: status.error })}
            {status.kind === 'failed' && t('saveFailed', { error: status.error })}
            {status.kind === 'pushed' && t('menuPushed', { time: formatTime(lang, status.at) })}
            {status.kind === 'push-failed' && t('menuPushFailed', { error: status.error })}
          </p>
          {status.kind === 'conflict' && (
            <button type="button" class="secondary" onClick={reload}>
              {t('reloadDiscard')}
            </button>
          )}
        </div>
        <p id="menu-push-hint" class="hint">
          {t('menuPushHint')}
        </p>

        <div class="save-bar">
          <button type="button" class="secondary" data-testid="menu-compare" onClick={compare} disabled={comparison.state === 'comparing'}>
            {comparison.state === 'comparing' ? t('menuComparing') : t('menuCompare')}
          </button>
          <span class="hint">{t('menuDiffHint')}</span>
        </div>
        <div data-testid="menu-differences" role="status">
          {comparison.state === 'failed' && <p class="error">{t('menuCompareFailed', { error: comparison.error })}</p>}
          {comparison.state === 'done' &&
            (comparison.differences.length === 0 ? (
              <p>{t('menuSame')}</p>
            ) : (
              <>
                <p>{t('menuDifferent', { n: comparison.differences.length })}</p>
                <ul class="menu-diff">
                  {comparison.differences.map((difference, index) => (
                    <li key={index}>{`${difference.path}: ${shown(i18n, difference.file)} → ${shown(i18n, difference.wechat)}`}</li>
                  ))}
                </ul>
              </>
            ))}
        </div>

        <dialog ref={dialogRef} class="menu-confirm" aria-labelledby="menu-push-title">
          <h3 id="menu-push-title">{t('menuPushTitle')}</h3>
          <p>{t('menuPushWhat', { hash: loaded.baseHash.slice(0, 12) })}</p>
          <pre>{JSON.stringify(saved, null, 2)}</pre>
          <div class="save-bar">
            <button type="button" data-testid="menu-push-confirm" onClick={push}>
              {t('menuPushConfirm')}
            </button>
            <button type="button" class="secondary" onClick={closePush}>
              {t('menuPushCancel')}
            </button>
          </div>
        </dialog>
      </div>
      <MenuPreview account={account} buttons={menu.button} />
    </div>
  );
}
