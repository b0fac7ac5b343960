import { useState } from 'preact/hooks';
import { ApiError, getReach, getUser, type Grant, type Reach } from '../api.js';
import { HTML_LANG, useI18n, type I18n } from '../i18n.js';

interface UsersPageProps {
  account: string | null;
}

type Lookup =
  | { state: 'idle' }
  | { state: 'loading' }
  | { state: 'found'; profile: Record<string, unknown> }
  | { state: 'missing' }
  | { state: 'failed'; error: string };

/** What the server knows of reaching the user; shown whatever WeChat says of the profile. */
type ReachLookup = { state: 'none' } | { state: 'found'; reach: Reach } | { state: 'failed'; error: string };

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The customer-service window and the notice grants, as the server knows them. */
function ReachSection({ reach }: { reach: Reach }) {
  const i18n = useI18n();
  const { t } = i18n;
  const window = t(reach.window === 'open' ? 'userWindowOpen' : reach.window === 'closed' ? 'userWindowClosed' : 'userWindowUnknown');
  const until =
    reach.window_until === null ? undefined : new Date(reach.window_until).toLocaleString(HTML_LANG[i18n.lang], { hour12: false });
  const lastInteraction =
    reach.last_interaction === null ? undefined : new Date(reach.last_interaction).toLocaleString(HTML_LANG[i18n.lang], { hour12: false });
  const status = (grant: Grant): string =>
    t(grant.status === 'accept' ? 'grantAccept' : grant.status === 'used' ? 'grantUsed' : 'grantReject');
  return (
    <section class="user-reach" data-testid="user-reach" aria-labelledby="user-reach-title">
      <h2 id="user-reach-title">{t('userReach')}</h2>
      <dl class="user-profile">
        <div>
          <dt>{t('userWindow')}</dt>
          <dd data-testid="user-window" data-window={reach.window}>
            {window}
          </dd>
        </div>
        {until !== undefined && (
          <div>
            <dt>{t('userWindowUntil')}</dt>
            <dd>{until}</dd>
          </div>
        )}
        {reach.sends_left !== null && (
          <div>
            <dt>{t('userSendsLeft')}</dt>
            <dd data-testid="user-sends-left">{reach.sends_left}</dd>
          </div>
        )}
        {lastInteraction !== undefined && (
          <div>
            <dt>{t('userLastInteraction')}</dt>
            <dd data-testid="user-last-interaction">{lastInteraction}</dd>
          </div>
        )}
        <div>
          <dt>{t('userSentInWindow')}</dt>
          <dd>{reach.custom_sent_in_window}</dd>
        </div>
      </dl>
      <h3>{t('userGrants')}</h3>
      {reach.grants.length === 0 ? (
        <p class="muted" data-testid="user-grants-none">
          {t('userGrantsNone')}
        </p>
      ) : (
        <table class="user-grants" data-testid="user-grants">
          <thead>
            <tr>
              <th scope="col">{t('userGrantTemplate')}</th>
              <th scope="col">{t('userGrantKind')}</th>
              <th scope="col">{t('userGrantRemaining')}</th>
              <th scope="col">{t('userGrantStatus')}</th>
            </tr>
          </thead>
          <tbody>
            {reach.grants.map((grant) => (
              <tr key={grant.template_id}>
                <td>{grant.template_id}</td>
                <td>{t(grant.kind === 'one-time' ? 'grantOneTime' : 'grantLongTerm')}</td>
                <td>{grant.remaining ?? '—'}</td>
                <td>{status(grant)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** One of WeChat's values as text: a date for `subscribe_time`, lists joined, anything else as JSON. */
function valueText(i18n: I18n, key: string, value: unknown): string {
  if (key === 'subscribe_time' && typeof value === 'number' && value > 0) {
    return `${new Date(value * 1000).toLocaleString(HTML_LANG[i18n.lang], { hour12: false })} (${value})`;
  }
  if (key === 'subscribe' && (value === 0 || value === 1)) {
    return `${value} (${i18n.t(value === 1 ? 'userSubscribed' : 'userNotSubscribed')})`;
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value) && value.every((item) => typeof item === 'string' || typeof item === 'number')) return value.join(', ');
  return JSON.stringify(value);
}

/** A follower's profile as WeChat has it, looked up by openid. */
export function UsersPage({ account }: UsersPageProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [openid, setOpenid] = useState('');
  const [lookup, setLookup] = useState<Lookup>({ state: 'idle' });
  const [reach, setReach] = useState<ReachLookup>({ state: 'none' });

  function lookUp(event: Event): void {
    event.preventDefault();
    const wanted = openid.trim();
    if (wanted === '') return;
    setLookup({ state: 'loading' });
    setReach({ state: 'none' });
    getReach(account, wanted).then(
      (found) => setReach({ state: 'found', reach: found }),
      (error: unknown) => setReach({ state: 'failed', error: messageOf(error) }),
    );
    getUser(account, wanted).then(
      (profile) => setLookup({ state: 'found', profile }),
      (error: unknown) =>
        setLookup(error instanceof ApiError && error.status === 404 ? { state: 'missing' } : { state: 'failed', error: messageOf(error) }),
    );
  }

  return (
    <div class="users" data-testid="users">
      <form class="toolbar user-form" onSubmit={lookUp}>
        <label for="user-openid">
          {t('userOpenid')}
          <input
            id="user-openid"
            type="text"
            data-testid="user-openid"
            autocomplete="off"
            spellcheck={false}
            value={openid}
            onInput={(event) => setOpenid(event.currentTarget.value)}
          />
        </label>
        <button type="submit" data-testid="user-lookup" disabled={lookup.state === 'loading' || openid.trim() === ''}>
          {lookup.state === 'loading' ? t('userLooking') : t('userLookup')}
        </button>
      </form>
      {lookup.state === 'missing' && (
        <p class="error" role="alert" data-testid="user-error">
          {t('userNotFound')}
        </p>
      )}
      {lookup.state === 'failed' && (
        <p class="error" role="alert" data-testid="user-error">
          {t('userFailed', { error: lookup.error })}
        </p>
      )}
      {reach.state === 'found' && <ReachSection reach={reach.reach} />}
      {reach.state === 'failed' && (
        <p class="error" role="alert" data-testid="user-reach-error">
          {t('userFailed', { error: reach.error })}
        </p>
      )}
      {lookup.state === 'found' && <h2>{t('userProfile')}</h2>}
      {lookup.state === 'found' && (
        <dl class="user-profile" data-testid="user-profile">
          {Object.entries(lookup.profile).map(([key, value]) => (
            <div key={key}>
              <dt>{key}</dt>
              <dd>{valueText(i18n, key, value)}</dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
