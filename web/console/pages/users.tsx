import { useState } from 'preact/hooks';
import { ApiError, getUser } from '../api.js';
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

  function lookUp(event: Event): void {
    event.preventDefault();
    const wanted = openid.trim();
    if (wanted === '') return;
    setLookup({ state: 'loading' });
    getUser(account, wanted).then(
      (profile) => setLookup({ state: 'found', profile }),
      (error: unknown) =>
        setLookup(
          error instanceof ApiError && error.status === 404
            ? { state: 'missing' }
            : { state: 'failed', error: error instanceof Error ? error.message : String(error) },
        ),
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
      <p class="note" role="note">
        {t('userLater')}
      </p>
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
