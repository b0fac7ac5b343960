/**
 * What became of one POST to the webhook: the one vocabulary of outcomes, from the
 * responder, the replay memory and the webhook. The log line writes it as it is;
 * `/metrics` counts it by what WeChat got (`core/metrics.ts`).
 */
export type Outcome =
  /** The responder's: a reply's XML, `success`, a long text sent later, a deadline, a handler that threw. */
  | 'reply'
  | 'no-reply'
  | 'long-text'
  | 'deadline'
  | 'handler-error'
  /** The replay memory's: WeChat's retry answered as before; a signature seen, its answer forgotten; the store failed. */
  | 'retry'
  | 'repeated'
  | 'store-error'
  /** The webhook's: a 4xx, or a 500 for what nothing above foresaw. */
  | 'refused'
  | 'internal-error';

/** The outcomes the responder decides. */
export type ResponderOutcome = Extract<Outcome, 'reply' | 'no-reply' | 'long-text' | 'deadline' | 'handler-error'>;
