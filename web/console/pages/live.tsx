import { useEffect, useState } from 'preact/hooks';
import { getSession, liveUrl, type LiveMessage } from '../api.js';
import { formatTime, outcomeLabel, replyTypeLabel, useI18n } from '../i18n.js';

/** The list keeps the newest messages only. */
const MAX_ROWS = 200;

interface LivePageProps {
  account: string | null;
  /** Opens the replies page's phone with this text in its input. */
  onReplay: (content: string) => void;
}

interface Row {
  id: number;
  message: LiveMessage;
}

type Connection = 'connecting' | 'open' | 'closed';

let nextId = 1;

function isLiveMessage(value: unknown): value is LiveMessage {
  if (typeof value !== 'object' || value === null) return false;
  const message = value as Partial<LiveMessage>;
  return typeof message.time === 'string' && typeof message.type === 'string' && typeof message.openid === 'string';
}

/** An event's JSON data, or undefined when it is not JSON. */
function dataOf(event: MessageEvent<string>): unknown {
  try {
    return JSON.parse(event.data) as unknown;
  } catch {
    return undefined;
  }
}

/** The `skipped` event's data: how many were not shown, at what rate a second. */
function skippedOf(data: unknown): { count: number; perSecond: number | undefined } | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const { count, perSecond } = data as { count?: unknown; perSecond?: unknown };
  if (typeof count !== 'number' || !Number.isSafeInteger(count) || count <= 0) return undefined;
  return { count, perSecond: typeof perSecond === 'number' ? perSecond : undefined };
}

/**
 * The account's messages as they arrive (server-sent events from /console/api/live),
 * newest first. The page stays mounted while another is shown, so the list goes on filling.
 */
export function LivePage({ account, onReplay }: LivePageProps) {
  const i18n = useI18n();
  const { t, lang } = i18n;
  const [rows, setRows] = useState<Row[]>([]);
  // Messages the server answered but did not stream (past its rate a second), and that rate.
  const [skipped, setSkipped] = useState(0);
  const [perSecond, setPerSecond] = useState(0);
  const [connection, setConnection] = useState<Connection>('connecting');
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    setConnection('connecting');
    const source = new EventSource(liveUrl(account));
    source.addEventListener('open', () => setConnection('open'));
    source.addEventListener('message', (event: MessageEvent<string>) => {
      const data = dataOf(event);
      if (!isLiveMessage(data)) return;
      const row = { id: nextId++, message: data };
      setRows((previous) => [row, ...previous].slice(0, MAX_ROWS));
    });
    source.addEventListener('skipped', (event: MessageEvent<string>) => {
      const skippedNow = skippedOf(dataOf(event));
      if (skippedNow === undefined) return;
      setSkipped((previous) => previous + skippedNow.count);
      if (skippedNow.perSecond !== undefined) setPerSecond(skippedNow.perSecond);
    });
    source.addEventListener('error', () => {
      // CONNECTING: EventSource tries again by itself. CLOSED: the server refused the
      // stream; if the session ended, asking for it reloads /console to sign in again.
      if (source.readyState === EventSource.CLOSED) {
        setConnection('closed');
        getSession().catch(() => undefined);
      } else {
        setConnection('connecting');
      }
    });
    return () => source.close();
  }, [account, attempt]);

  const status = connection === 'open' ? t('liveConnected') : connection === 'connecting' ? t('liveConnecting') : t('liveDisconnected');
  return (
    <div class="live">
      <div class="toolbar">
        <p class={`muted connection connection-${connection}`} role="status">
          {status}
        </p>
        {connection === 'closed' && (
          <button type="button" onClick={() => setAttempt((n) => n + 1)}>
            {t('reconnect')}
          </button>
        )}
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setRows([]);
            setSkipped(0);
          }}
          disabled={rows.length === 0 && skipped === 0}
        >
          {t('clear')}
        </button>
      </div>
      {skipped > 0 && (
        <p class="muted" data-testid="live-skipped">
          {t('liveSkipped', { limit: perSecond, count: skipped })}
        </p>
      )}
      {rows.length === 0 && <p class="muted">{t('liveEmpty')}</p>}
      <ol class="live-list" data-testid="live-list" aria-live="polite" aria-label={t('liveListLabel')}>
        {rows.map(({ id, message }) => {
          const date = new Date(message.time);
          const time = Number.isNaN(date.getTime()) ? message.time : formatTime(lang, date);
          const replayable = message.type === 'text' && message.content !== null;
          return (
            <li key={id} class={`live-row outcome-${message.outcome}`} data-testid="live-row">
              <div class="live-meta">
                <time dateTime={message.time}>{time}</time>
                <span class="badge">{message.type}</span>
                <span class={`badge outcome outcome-${message.outcome}`}>{outcomeLabel(i18n, message.outcome)}</span>
                <span class="muted">{t('took', { ms: message.ms })}</span>
                <span class="muted openid">{t('from', { openid: message.openid })}</span>
              </div>
              {message.content !== null && (
                <p class="live-content">
                  <span class="label">{t('received')}: </span>
                  {message.content}
                </p>
              )}
              <p class="live-reply">
                <span class="label">{t('replied')}: </span>
                {message.reply === null ? (
                  <span class="no-reply">{t('noReply')}</span>
                ) : (
                  <>
                    {message.reply.type !== 'text' && <span class="reply-type">[{replyTypeLabel(i18n, message.reply.type)}] </span>}
                    {message.reply.text}
                  </>
                )}
              </p>
              {replayable && (
                <button
                  type="button"
                  class="secondary"
                  data-testid="replay"
                  aria-label={t('replayLabel', { content: message.content ?? '' })}
                  onClick={() => onReplay(message.content ?? '')}
                >
                  {t('replay')}
                </button>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
