import { useEffect, useState } from 'preact/hooks';
import { getInstances, type InstanceVersions as Versions } from '../api.js';
import { useI18n } from '../i18n.js';

/** How often the list is asked again while the replies page is shown. */
const REFRESH_MS = 10_000;

/**
 * Which version of the replies file each instance of the server serves, against the
 * file on disk: after a save, every instance should come to the new one within seconds
 * (with several instances the file must be on storage they all read).
 */
export function InstanceVersions({ account, savedAt }: { account: string | null; savedAt: number }) {
  const { t } = useI18n();
  const [versions, setVersions] = useState<Versions | null>(null);
  useEffect(() => {
    let cancelled = false;
    const load = (): void => {
      getInstances(account).then(
        (found) => {
          if (!cancelled) setVersions(found);
        },
        () => undefined,
      );
    };
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      cancelled = true;
      window.clearInterval(timer);
    };
  }, [account, savedAt]);
  if (versions === null || versions.file === null) return null;
  return (
    <section class="instance-versions" data-testid="instance-versions" aria-live="polite">
      <h3>{t('instancesTitle')}</h3>
      <ul>
        {versions.instances.map((instance) => (
          <li key={instance.id}>
            <code>
              {instance.host} · {instance.pid}
            </code>{' '}
            <span>
              {instance.replies === null
                ? t('instanceNone')
                : instance.replies === versions.onDisk
                  ? t('instanceCurrent')
                  : t('instanceBehind')}
            </span>{' '}
            <code>{instance.replies === null ? '' : instance.replies.slice(0, 8)}</code>
          </li>
        ))}
      </ul>
    </section>
  );
}
