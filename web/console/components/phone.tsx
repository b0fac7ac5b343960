import { useEffect, useRef, useState } from 'preact/hooks';
import { previewReply, type PreviewMessage, type Problem, type Reply } from '../api.js';
import { replyTypeLabel, useI18n } from '../i18n.js';

/** A message to put in the phone's input (a replay from the live list); `nonce` tells one replay from the next. */
export interface Prefill {
  content: string;
  nonce: number;
}

interface PhoneProps {
  /** The account whose rules answer; its name is the chat's title. */
  account: string | null;
  /** The rules to answer with: the editor's text, saved or not. */
  source: string;
  prefill: Prefill | null;
}

type Answer = { state: 'pending' } | { state: 'done'; reply: Reply | null; problems: Problem[] } | { state: 'failed'; error: string };

interface Exchange {
  id: number;
  /** What the follower did: wrote a text, or followed the account. */
  sent: { kind: 'text'; text: string } | { kind: 'follow' };
  answer: Answer;
}

/** The conversation keeps the last exchanges only. */
const MAX_EXCHANGES = 30;

let nextId = 1;

/**
 * A phone-shaped preview of the rules being edited: the follower's bubbles on the right,
 * the account's answers on the left, as WeChat draws them. Everything is text.
 */
export function Phone({ account, source, prefill }: PhoneProps) {
  const i18n = useI18n();
  const { t } = i18n;
  const [input, setInput] = useState('');
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const inputRef = useRef<HTMLInputElement>(null);
  const chatRef = useRef<HTMLOListElement>(null);
  // The latest rules, read when a message is sent (not when the callback was made).
  const sourceRef = useRef(source);
  sourceRef.current = source;

  useEffect(() => {
    if (!prefill) return;
    setInput(prefill.content);
    inputRef.current?.focus();
    inputRef.current?.scrollIntoView({ block: 'nearest' });
  }, [prefill]);

  useEffect(() => {
    const chat = chatRef.current;
    if (chat) chat.scrollTop = chat.scrollHeight;
  }, [exchanges]);

  function settle(id: number, answer: Answer): void {
    setExchanges((all) => all.map((exchange) => (exchange.id === id ? { ...exchange, answer } : exchange)));
  }

  function send(sent: Exchange['sent'], message: PreviewMessage): void {
    const id = nextId++;
    setExchanges((all) => [...all, { id, sent, answer: { state: 'pending' } as Answer }].slice(-MAX_EXCHANGES));
    previewReply(account, sourceRef.current, message).then(
      (preview) => settle(id, { state: 'done', reply: preview.reply, problems: preview.problems }),
      (error: unknown) => settle(id, { state: 'failed', error: error instanceof Error ? error.message : String(error) }),
    );
  }

  function onSubmit(event: Event): void {
    event.preventDefault();
    const text = input.trim();
    if (text === '') {
      inputRef.current?.focus();
      return;
    }
    send({ kind: 'text', text }, { type: 'text', content: text });
    setInput('');
  }

  const last = exchanges[exchanges.length - 1];

  return (
    <section class="phone-panel" aria-labelledby="phone-title">
      <h3 id="phone-title">{t('phoneTitle')}</h3>
      <p class="hint">{t('phoneHint')}</p>
      <div class="phone">
        <div class="phone-screen">
          <div class="phone-bar">{account ?? t('accountLabel')}</div>
          <ol class="chat" ref={chatRef} aria-live="polite" aria-label={t('phoneConversation')}>
            {exchanges.length === 0 && <li class="chat-empty">{t('phoneEmpty')}</li>}
            {exchanges.map((exchange) => (
              <ExchangeItems key={exchange.id} exchange={exchange} isLast={exchange === last} />
            ))}
          </ol>
          <form class="composer" onSubmit={onSubmit}>
            <label class="visually-hidden" for="phone-input">
              {t('phoneInputLabel')}
            </label>
            <input
              id="phone-input"
              ref={inputRef}
              data-testid="phone-input"
              type="text"
              autocomplete="off"
              placeholder={t('phonePlaceholder')}
              value={input}
              onInput={(event) => setInput(event.currentTarget.value)}
            />
            <button type="submit" data-testid="phone-send">
              {t('send')}
            </button>
          </form>
        </div>
      </div>
      <button
        type="button"
        class="secondary"
        data-testid="phone-follow"
        onClick={() => send({ kind: 'follow' }, { type: 'event', event: 'subscribe' })}
      >
        {t('follow')}
      </button>
    </section>
  );
}

function ExchangeItems({ exchange, isLast }: { exchange: Exchange; isLast: boolean }) {
  const i18n = useI18n();
  const { t } = i18n;
  const { sent, answer } = exchange;
  return (
    <>
      {sent.kind === 'text' ? (
        <li class="bubble follower">
          <span class="visually-hidden">{t('follower')}</span>
          {sent.text}
        </li>
      ) : (
        <li class="chat-event">{t('followed')}</li>
      )}
      {answer.state === 'pending' && (
        <li class="bubble account pending" aria-busy="true">
          {t('waiting')}
        </li>
      )}
      {answer.state === 'failed' && (
        <li class="bubble account failed" role="alert">
          <span data-testid={isLast ? 'phone-reply' : undefined}>{t('previewFailed', { error: answer.error })}</span>
        </li>
      )}
      {answer.state === 'done' && (
        <li class="bubble account">
          <span class="visually-hidden">{t('account')}</span>
          {answer.reply !== null && answer.reply.type !== 'text' && (
            <span class="reply-type">[{replyTypeLabel(i18n, answer.reply.type)}] </span>
          )}
          <span class={answer.reply === null ? 'no-reply' : 'reply-text'} data-testid={isLast ? 'phone-reply' : undefined}>
            {answer.reply === null ? t('noReply') : answer.reply.text}
          </span>
          {answer.problems.length > 0 && (
            <ul class="bubble-problems">
              {answer.problems.map((problem, index) => (
                <li key={index}>
                  {problem.line !== null && `${t('problemLine', { line: problem.line })}: `}
                  {problem.message}
                </li>
              ))}
            </ul>
          )}
        </li>
      )}
    </>
  );
}
