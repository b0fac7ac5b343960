/**
 * What publishing remembers for one account, so that the rails hold across runs, machines
 * and instances: which draft each article file became, the images already uploaded (by
 * content hash), the previews sent, the mass sends made (by `clientmsgid`), the publishes
 * submitted, and WeChat's reports of how each ended (PUBLISHJOBFINISH,
 * MASSSENDJOBFINISH). Kept in named tables of JSON values: Redis hashes with REDIS_URL
 * (redis/redis-record-tables.ts), otherwise a state file in the working directory
 * (file-record-tables.ts).
 */

/** The tables, each a map from a key to a JSON value. */
export type RecordTable =
  'drafts' | 'draft-contents' | 'images' | 'covers' | 'previews' | 'sends' | 'masses' | 'mass-results' | 'publishes' | 'publish-results';

/** One account's tables: the storage the records below are kept in. */
export interface RecordTables {
  get(table: RecordTable, key: string): Promise<string | undefined>;
  set(table: RecordTable, key: string, value: string): Promise<void>;
  /** Sets the key only when it is absent; true when this call set it (the claim of a mass send). */
  setIfAbsent(table: RecordTable, key: string, value: string): Promise<boolean>;
  delete(table: RecordTable, key: string): Promise<void>;
}

/** A file's draft in WeChat's draft box, and the content it was made from. */
export interface DraftRecord {
  readonly mediaId: string;
  readonly contentHash: string;
  /** ms since the epoch. */
  readonly at: number;
}

/** A preview sent: the content it showed, and to whom (masked). */
export interface PreviewRecord {
  readonly contentKey: string;
  readonly mediaId: string;
  readonly to: string;
  readonly at: number;
}

/** A mass send claimed under its `clientmsgid`; `msgIds` once WeChat took it. */
export interface SendRecord {
  readonly clientMsgId: string;
  readonly contentKey: string;
  readonly audience: string;
  readonly mediaId: string;
  readonly msgIds: readonly string[];
  readonly at: number;
  /** WeChat's errcode when it refused the send after the claim (45066: retry in a minute). */
  readonly errcode?: number;
}

/** A submitted publish. */
export interface PublishRecord {
  readonly publishId: string;
  readonly mediaId: string;
  readonly contentKey: string;
  readonly file?: string;
  readonly at: number;
}

/** PUBLISHJOBFINISH, as recorded. */
export interface PublishResult {
  readonly status: number;
  readonly articleId?: string;
  readonly articleUrls: readonly string[];
  readonly failIdx: readonly number[];
  readonly at: number;
}

/** MASSSENDJOBFINISH, as recorded. */
export interface MassResult {
  /** `send success`, `send fail` or `err(<code>)`. */
  readonly status: string;
  readonly total?: number;
  readonly filtered?: number;
  readonly sent?: number;
  readonly errors?: number;
  readonly at: number;
}

/** Reads a stored value; a value that is not what was written (edited by hand, another version) reads as absent. */
function parsed<T>(text: string | undefined, valid: (value: Record<string, unknown>) => boolean): T | undefined {
  if (text === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value) && valid(value as Record<string, unknown>)
      ? (value as T)
      : undefined;
  } catch {
    return undefined;
  }
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** The typed records on an account's tables. */
export interface PublishingRecords {
  draft(file: string): Promise<DraftRecord | undefined>;
  /** Records the file's draft, and the content the draft's media_id now holds. */
  saveDraft(file: string, record: DraftRecord): Promise<void>;
  /** The content hash a draft's media_id was last drafted with here: what a preview or a send named by media_id covers. */
  draftContent(mediaId: string): Promise<string | undefined>;
  /** The draft was consumed (a publish or a mass send): the next `draft` of the file adds a new one. */
  dropDraft(file: string): Promise<void>;
  /** An image already uploaded: an inline image's URL, or a cover's permanent media_id. */
  uploaded(kind: 'images' | 'covers', sha256: string): Promise<string | undefined>;
  saveUpload(kind: 'images' | 'covers', sha256: string, value: string): Promise<void>;
  preview(contentKey: string): Promise<PreviewRecord | undefined>;
  savePreview(record: PreviewRecord): Promise<void>;
  send(clientMsgId: string): Promise<SendRecord | undefined>;
  /** Claims a mass send's `clientmsgid`: false when it was claimed before (sent, or being sent). */
  claimSend(record: SendRecord): Promise<boolean>;
  saveSend(record: SendRecord): Promise<void>;
  /** Gives a claim back when WeChat refused the send outright, so that it may be tried again. */
  releaseSend(clientMsgId: string): Promise<void>;
  /** The send a `msg_id` came from, and its report. */
  mass(msgId: string): Promise<{ readonly send?: SendRecord; readonly result?: MassResult }>;
  recordMassResult(msgId: string, result: MassResult): Promise<void>;
  publish(publishId: string): Promise<{ readonly record?: PublishRecord; readonly result?: PublishResult }>;
  savePublish(record: PublishRecord): Promise<void>;
  recordPublishResult(publishId: string, result: PublishResult): Promise<void>;
}

export function createPublishingRecords(tables: RecordTables): PublishingRecords {
  const json = (value: unknown): string => JSON.stringify(value);
  const draftValid = (v: Record<string, unknown>) => isString(v.mediaId) && isString(v.contentHash) && isNumber(v.at);
  const sendValid = (v: Record<string, unknown>) =>
    isString(v.clientMsgId) && isString(v.contentKey) && Array.isArray(v.msgIds) && v.msgIds.every(isString);
  const massResultValid = (v: Record<string, unknown>) => isString(v.status) && isNumber(v.at);
  const publishValid = (v: Record<string, unknown>) => isString(v.publishId) && isString(v.mediaId);
  const publishResultValid = (v: Record<string, unknown>) =>
    isNumber(v.status) && Array.isArray(v.articleUrls) && Array.isArray(v.failIdx) && isNumber(v.at);
  return {
    draft: async (file) => parsed<DraftRecord>(await tables.get('drafts', file), draftValid),
    async saveDraft(file, record) {
      await tables.set('draft-contents', record.mediaId, record.contentHash);
      await tables.set('drafts', file, json(record));
    },
    draftContent: (mediaId) => tables.get('draft-contents', mediaId),
    dropDraft: (file) => tables.delete('drafts', file),
    uploaded: (kind, sha256) => tables.get(kind, sha256),
    saveUpload: (kind, sha256, value) => tables.set(kind, sha256, value),
    preview: async (contentKey) =>
      parsed<PreviewRecord>(await tables.get('previews', contentKey), (v) => isString(v.contentKey) && isNumber(v.at)),
    savePreview: (record) => tables.set('previews', record.contentKey, json(record)),
    send: async (clientMsgId) => parsed<SendRecord>(await tables.get('sends', clientMsgId), sendValid),
    claimSend: (record) => tables.setIfAbsent('sends', record.clientMsgId, json(record)),
    async saveSend(record) {
      await tables.set('sends', record.clientMsgId, json(record));
      for (const msgId of record.msgIds) await tables.set('masses', msgId, record.clientMsgId);
    },
    releaseSend: (clientMsgId) => tables.delete('sends', clientMsgId),
    async mass(msgId) {
      const [clientMsgId, result] = await Promise.all([tables.get('masses', msgId), tables.get('mass-results', msgId)]);
      const send = clientMsgId === undefined ? undefined : parsed<SendRecord>(await tables.get('sends', clientMsgId), sendValid);
      return { send, result: parsed<MassResult>(result, massResultValid) };
    },
    recordMassResult: (msgId, result) => tables.set('mass-results', msgId, json(result)),
    async publish(publishId) {
      const [record, result] = await Promise.all([tables.get('publishes', publishId), tables.get('publish-results', publishId)]);
      return { record: parsed<PublishRecord>(record, publishValid), result: parsed<PublishResult>(result, publishResultValid) };
    },
    savePublish: (record) => tables.set('publishes', record.publishId, json(record)),
    recordPublishResult: (publishId, result) => tables.set('publish-results', publishId, json(result)),
  };
}
