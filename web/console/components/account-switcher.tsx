import type { Account } from '../api.js';
import { useI18n } from '../i18n.js';

interface AccountSwitcherProps {
  accounts: Account[];
  /** The chosen account's name; null when the server has no named accounts. */
  value: string | null;
  /** Chooses `name`; false when the choice is refused (unsaved changes kept). */
  onChange: (name: string) => boolean;
}

/** Which account every page shows: a labelled <select> of the session's accounts. */
export function AccountSwitcher({ accounts, value, onChange }: AccountSwitcherProps) {
  const { t } = useI18n();
  return (
    <div class="account-switcher">
      <label for="account-switcher">{t('accountLabel')}</label>
      <select
        id="account-switcher"
        data-testid="account-switcher"
        value={value ?? ''}
        disabled={accounts.length < 2}
        onChange={(event) => {
          const select = event.currentTarget;
          // Refused: the select shows the account still chosen, not the one clicked.
          if (!onChange(select.value)) select.value = value ?? '';
        }}
      >
        {accounts.length === 0 && <option value="">{t('noAccounts')}</option>}
        {accounts.map((account) => (
          <option key={account.name} value={account.name} title={account.appId ?? undefined}>
            {account.appId === null ? account.name : `${account.name} (${account.appId})`}
          </option>
        ))}
      </select>
    </div>
  );
}
