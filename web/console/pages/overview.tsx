import { useEffect, useState } from 'preact/hooks';
import { getOverview, type Overview } from '../api.js';
import { formatDuration, formatTime, outcomeLabel, useI18n, type I18n } from '../i18n.js';

/** How often the cards refresh while the page is shown. */
const REFRESH_MS = 10_000;

interface OverviewPageProps {
  account: string | null;
  /** The page is the one shown: only then does it refresh. */
  active: boolean;
}

type State = { overview: Overview; at: Date; error: string | null } | { overview: null; at: null; error: string | null };

/** Health, the access token, messages per minute by outcome and WeChat's error codes, as cards. */
export function OverviewPage({ account, active }: OverviewPageProps) {
  const i18n = useI18n();
  const { t, lang } = i18n;
  const [state, setState] = useState<State>({ overview: null, at: null, error: null });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    if (!active) return;
    let cancelled = false;
    const load = (): void => {
      if (document.visibilityState === 'hidden') return;
      getOverview(account).then(
        (overview) => {
          if (!cancelled) setState({ overview, at: new Date(), error: null });
        },
        (error: unknown) => {
          if (!cancelled) setState((previous) => ({ ...previous, error: error instanceof Error ? error.message : String(error) }));
        },
      );
    };
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') load();
    };
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [account, active, tick]);

  const { overview } = state;
  return (
    <div data-testid="overview" class="overview">
      <div class="toolbar">
        <p class="muted" role="status">
          {state.at !== null && t('updatedAt', { time: formatTime(lang, state.at) })}
          {state.overview === null && state.error === null && t('loading')}
        </p>
        <button type="button" class="secondary" onClick={() => setTick((n) => n + 1)}>
          {t('refresh')}
        </button>
      </div>
      {state.error !== null && (
        <p class="error" role="alert">
          {t('loadFailed', { error: state.error })}
        </p>
      )}
      {overview?.authorisation?.needsReauthorization === true && (
        <p class="error" role="alert" data-testid="reauthorization-needed">
          {t('reauthorizationNeeded')}
        </p>
      )}
      {overview !== null && (
        <div class="cards">
          <HealthCard i18n={i18n} health={overview.health} />
          <section class="card">
            <h3>{t('token')}</h3>
            <dl>
              {overview.authorisation !== null && (
                <>
                  <dt>{t('authorizedAt')}</dt>
                  <dd>{formatTime(lang, new Date(overview.authorisation.authorizedAt))}</dd>
                </>
              )}
              <dt>{t('tokenAge')}</dt>
              <dd>{overview.token.expiresInSeconds === null ? t('tokenNone') : formatDuration(i18n, overview.token.expiresInSeconds)}</dd>
              <dt>{t('tokenRefreshes')}</dt>
              <dd>{overview.token.refreshes}</dd>
            </dl>
          </section>
          <section class="card">
            <h3>{t('messages')}</h3>
            {overview.messages.length === 0 ? (
              <p class="muted">{t('noMessages')}</p>
            ) : (
              <dl>
                {overview.messages.map((row) => (
                  <div key={row.outcome} class={`outcome outcome-${row.outcome}`}>
                    <dt>{outcomeLabel(i18n, row.outcome)}</dt>
                    <dd>{formatRate(row.perMinute)}</dd>
                  </div>
                ))}
              </dl>
            )}
          </section>
          <section class="card">
            <h3>{t('errcodes')}</h3>
            {overview.errcodes.length === 0 ? (
              <p class="muted">{t('noErrcodes')}</p>
            ) : (
              <table>
                <thead>
                  <tr>
                    <th scope="col">{t('errcode')}</th>
                    <th scope="col">{t('count')}</th>
                  </tr>
                </thead>
                <tbody>
                  {overview.errcodes.map((row) => (
                    <tr key={row.errcode}>
                      <td>{row.errcode}</td>
                      <td>{row.count}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      )}
    </div>
  );
}

function HealthCard({ i18n, health }: { i18n: I18n; health: Overview['health'] }) {
  const { t } = i18n;
  const redis = { up: t('redisUp'), down: t('redisDown'), none: t('redisNone') }[health.redis] ?? health.redis;
  return (
    <section class={`card health-${health.status}`}>
      <h3>{t('health')}</h3>
      <dl>
        <dt>{t('healthStatus')}</dt>
        <dd class={`status status-${health.status}`}>{health.status === 'ok' ? t('statusOk') : t('statusDegraded')}</dd>
        <dt>{t('redis')}</dt>
        <dd class={`status redis-${health.redis}`}>{redis}</dd>
      </dl>
    </section>
  );
}

/** Per-minute rates: whole numbers as they are, fractions to one decimal. */
function formatRate(perMinute: number): string {
  return Number.isInteger(perMinute) ? String(perMinute) : perMinute.toFixed(1);
}
