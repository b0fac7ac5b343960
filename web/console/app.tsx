import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, getSession, setCsrfToken, type Session } from './api.js';
import { AccountSwitcher } from './components/account-switcher.js';
import type { Prefill } from './components/phone.js';
import { HTML_LANG, I18nContext, i18nFor, storedLang, storeLang, useI18n, type Lang, type MessageKey } from './i18n.js';
import { LivePage } from './pages/live.js';
import { MenuPage } from './pages/menu.js';
import { OverviewPage } from './pages/overview.js';
import { PublishingPage } from './pages/publishing.js';
import { RepliesPage } from './pages/replies.js';
import { SendPage } from './pages/send.js';
import { UsersPage } from './pages/users.js';

const ROUTES = ['overview', 'live', 'replies', 'menu', 'send', 'users', 'publishing'] as const;
type Route = (typeof ROUTES)[number];

const NAV_LABELS: Record<Route, MessageKey> = {
  overview: 'navOverview',
  live: 'navLive',
  replies: 'navReplies',
  menu: 'navMenu',
  send: 'navSend',
  users: 'navUsers',
  publishing: 'navPublishing',
};
const TITLES: Record<Route, MessageKey> = {
  overview: 'overviewTitle',
  live: 'liveTitle',
  replies: 'repliesTitle',
  menu: 'menuTitle',
  send: 'sendTitle',
  users: 'usersTitle',
  publishing: 'publishingTitle',
};

/** `#/live` → live; anything unknown → overview. */
function routeOf(hash: string): Route {
  const name = hash.replace(/^#\/?/, '');
  return (ROUTES as readonly string[]).includes(name) ? (name as Route) : 'overview';
}

const ACCOUNT_KEY = 'wechat-console.account';

function storedAccount(session: Session): string | null {
  let stored: string | null = null;
  try {
    stored = localStorage.getItem(ACCOUNT_KEY);
  } catch {
    // Storage off: the first account.
  }
  if (stored !== null && session.accounts.some((account) => account.name === stored)) return stored;
  return session.accounts[0]?.name ?? null;
}

type Loading = { state: 'loading' } | { state: 'failed'; error: string; signedOut: boolean } | { state: 'ready'; session: Session };

/** The console: a header (account, language, sign-out), the tabs, and the page of the hash route. */
export function App() {
  const [lang, setLang] = useState<Lang>(storedLang);
  const i18n = i18nFor(lang);
  const { t } = i18n;
  const [loading, setLoading] = useState<Loading>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setLoading({ state: 'loading' });
    getSession().then(
      (session) => {
        setCsrfToken(session.csrfToken);
        setLoading({ state: 'ready', session });
      },
      (error: unknown) =>
        setLoading({
          state: 'failed',
          error: error instanceof Error ? error.message : String(error),
          signedOut: error instanceof ApiError && error.status === 401,
        }),
    );
  }, [attempt]);

  useEffect(() => {
    document.documentElement.lang = HTML_LANG[lang];
    document.title = i18nFor(lang).t('appTitle');
  }, [lang]);

  function switchLang(): void {
    const next = lang === 'zh' ? 'en' : 'zh';
    storeLang(next);
    setLang(next);
  }

  return (
    <I18nContext.Provider value={i18n}>
      {loading.state === 'ready' ? (
        <Console session={loading.session} onSwitchLang={switchLang} />
      ) : (
        <div class="shell">
          <header class="header">
            <h1>{t('appTitle')}</h1>
            <button
              type="button"
              data-testid="lang-switch"
              lang={lang === 'zh' ? 'en' : 'zh-CN'}
              title={t('langSwitchLabel')}
              onClick={switchLang}
            >
              {t('langSwitch')}
            </button>
          </header>
          <main class="main">
            {loading.state === 'loading' ? (
              <p class="muted" role="status">
                {t('loading')}
              </p>
            ) : loading.signedOut ? (
              <p class="error" role="alert">
                {t('signedOut')} <a href="/console">{t('signIn')}</a>
              </p>
            ) : (
              <p class="error" role="alert">
                {t('loadFailed', { error: loading.error })}{' '}
                <button type="button" onClick={() => setAttempt((n) => n + 1)}>
                  {t('retry')}
                </button>
              </p>
            )}
          </main>
        </div>
      )}
    </I18nContext.Provider>
  );
}

function Console({ session, onSwitchLang }: { session: Session; onSwitchLang: () => void }) {
  const { t, lang } = useI18n();
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash));
  const routeRef = useRef(route);
  const focusHeading = useRef(false);
  const [account, setAccount] = useState<string | null>(() => storedAccount(session));
  // Pages are mounted when first shown and kept (hidden) after: the live list goes on
  // filling, the editor keeps its text.
  const [visited, setVisited] = useState<ReadonlySet<Route>>(() => new Set([route]));
  const [prefill, setPrefill] = useState<Prefill | null>(null);
  const repliesDirty = useRef(false);
  const menuDirty = useRef(false);

  const show = useCallback((next: Route, focus: boolean) => {
    if (next !== routeRef.current) focusHeading.current = focus;
    routeRef.current = next;
    setRoute(next);
    setVisited((pages) => (pages.has(next) ? pages : new Set([...pages, next])));
  }, []);

  useEffect(() => {
    const onHashChange = (): void => show(routeOf(window.location.hash), true);
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [show]);

  // After a tab is chosen, the page's heading takes the focus, so that a screen reader reads where it is.
  useEffect(() => {
    if (!focusHeading.current) return;
    focusHeading.current = false;
    document.getElementById(`page-${route}`)?.focus();
  }, [route]);

  function chooseAccount(name: string): boolean {
    if (name === account) return true;
    if (repliesDirty.current && !window.confirm(t('unsavedSwitchAccount'))) return false;
    if (menuDirty.current && !window.confirm(t('menuUnsavedSwitchAccount'))) return false;
    try {
      localStorage.setItem(ACCOUNT_KEY, name);
    } catch {
      // Storage off: the choice lasts until the page reloads.
    }
    repliesDirty.current = false;
    menuDirty.current = false;
    setPrefill(null);
    setAccount(name);
    return true;
  }

  const onReplay = useCallback(
    (content: string) => {
      setPrefill((previous) => ({ content, nonce: (previous?.nonce ?? 0) + 1 }));
      // The phone's input takes the focus, not the heading.
      show('replies', false);
      window.location.hash = '#/replies';
    },
    [show],
  );

  const onDirtyChange = useCallback((dirty: boolean) => {
    repliesDirty.current = dirty;
  }, []);

  const onMenuDirtyChange = useCallback((dirty: boolean) => {
    menuDirty.current = dirty;
  }, []);

  return (
    <div class="shell">
      <header class="header">
        <h1>{t('appTitle')}</h1>
        <AccountSwitcher accounts={session.accounts} value={account} onChange={chooseAccount} />
        <div class="header-tools">
          <span class="muted who">{t('signedInAs', { key: session.key })}</span>
          <button
            type="button"
            class="secondary"
            data-testid="lang-switch"
            lang={lang === 'zh' ? 'en' : 'zh-CN'}
            title={t('langSwitchLabel')}
            onClick={onSwitchLang}
          >
            {t('langSwitch')}
          </button>
          <form method="post" action="/console/logout" class="sign-out">
            <input type="hidden" name="_csrf" value={session.csrfToken} />
            <button type="submit" class="secondary" data-testid="sign-out">
              {t('signOut')}
            </button>
          </form>
        </div>
      </header>
      <nav class="tabs" aria-label={t('navLabel')}>
        <ul>
          {ROUTES.map((name) => (
            <li key={name}>
              <a href={`#/${name}`} data-testid={`nav-${name}`} aria-current={route === name ? 'page' : undefined}>
                {t(NAV_LABELS[name])}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main class="main">
        {ROUTES.filter((name) => visited.has(name)).map((name) => (
          <section key={`${name}:${account ?? ''}`} class={`page page-${name}`} hidden={route !== name} aria-labelledby={`page-${name}`}>
            <h2 id={`page-${name}`} tabIndex={-1}>
              {t(TITLES[name])}
            </h2>
            {name === 'overview' && <OverviewPage account={account} active={route === 'overview'} />}
            {name === 'live' && <LivePage account={account} onReplay={onReplay} />}
            {name === 'replies' && <RepliesPage account={account} prefill={prefill} onDirtyChange={onDirtyChange} />}
            {name === 'menu' && <MenuPage account={account} onDirtyChange={onMenuDirtyChange} />}
            {name === 'send' && <SendPage account={account} />}
            {name === 'users' && <UsersPage account={account} />}
            {name === 'publishing' && <PublishingPage account={account} />}
          </section>
        ))}
      </main>
    </div>
  );
}
