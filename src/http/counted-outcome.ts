import type { MessageOutcome } from '../core/metrics.js';
import type { Outcome } from '../replies/respond.js';

/** What became of a POST, as the webhook logs it: the responder's outcomes and its own. */
export type WebhookOutcome = Outcome | 'repeated' | 'retry' | 'store-error';

/**
 * How `/metrics` counts each outcome (`wechat_messages_total{outcome}`): by what WeChat
 * was answered. A long text and a late reply both leave as customer-service messages,
 * but only the late one is a deadline; a repeated signature is a retry whose answer is
 * forgotten; a failing retry store, like a failing handler, answers `success` unhandled.
 */
export const COUNTED_AS: Readonly<Record<WebhookOutcome, MessageOutcome>> = {
  reply: 'replied',
  'no-reply': 'success',
  'long-text': 'success',
  deadline: 'deadline',
  'handler-error': 'handler_error',
  'store-error': 'handler_error',
  retry: 'retry',
  repeated: 'retry',
};
