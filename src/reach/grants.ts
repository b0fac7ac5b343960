import type { GrantKind } from '../wechat-api/notices.js';

/** What the server knows of one user's grant of one notice template. */
export interface GrantRecord {
  /** The latest answer: accepted, or rejected (or refused by WeChat, or dropped by a failed delivery). */
  readonly status: 'accept' | 'reject';
  /** One-time sends accepted and not yet used (a long-term grant ignores it). */
  readonly remaining: number;
}

/** A grant as `GET /api/users/:openid/grants` shows it. */
export interface Grant {
  readonly template_id: string;
  readonly kind: GrantKind;
  /** One-time sends left; null for a long-term grant. */
  readonly remaining: number | null;
  readonly status: 'accept' | 'reject' | 'used';
}

export function grantOf(templateId: string, record: GrantRecord, kind: GrantKind): Grant {
  if (kind === 'long-term') return { template_id: templateId, kind, remaining: null, status: record.status };
  const remaining = record.status === 'reject' ? 0 : record.remaining;
  return { template_id: templateId, kind, remaining, status: record.status === 'reject' ? 'reject' : remaining > 0 ? 'accept' : 'used' };
}

/** Whether a send may go: a grant known used up or rejected may not; no record is tried (WeChat decides). */
export function grantAllows(grant: Grant | undefined): boolean {
  return grant === undefined || grant.status === 'accept';
}
