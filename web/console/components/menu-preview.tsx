import type { MenuButton } from '../api.js';
import { useI18n } from '../i18n.js';

interface MenuPreviewProps {
  /** The account whose menu it is; its name is the chat's title. */
  account: string | null;
  buttons: readonly MenuButton[];
}

/**
 * A phone-shaped preview of the default menu: the bar at the bottom of the chat with its
 * top-level buttons, each sub-menu open above its button. Everything is text.
 */
export function MenuPreview({ account, buttons }: MenuPreviewProps) {
  const { t } = useI18n();
  const nameOf = (button: MenuButton): string => (button.name === '' ? t('menuUnnamed') : button.name);
  return (
    <section class="phone-panel" aria-labelledby="menu-preview-title">
      <h3 id="menu-preview-title">{t('menuPreviewTitle')}</h3>
      <p class="hint">{t('menuPreviewHint')}</p>
      <div class="phone">
        <div class="phone-screen">
          <div class="phone-bar">{account ?? t('accountLabel')}</div>
          <div class="menu-preview-chat" />
          <ul class="menu-preview-bar" data-testid="menu-preview" aria-label={t('menuPreviewTitle')}>
            {buttons.length === 0 && <li class="menu-preview-empty">{t('menuEmpty')}</li>}
            {buttons.map((button, index) => (
              <li key={index} class="menu-preview-item">
                {Array.isArray(button.sub_button) && button.sub_button.length > 0 && (
                  <ul class="menu-preview-sub">
                    {button.sub_button.map((sub, subIndex) => (
                      <li key={subIndex}>{nameOf(sub)}</li>
                    ))}
                  </ul>
                )}
                <span class={Array.isArray(button.sub_button) ? 'menu-preview-name has-sub' : 'menu-preview-name'}>{nameOf(button)}</span>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </section>
  );
}
