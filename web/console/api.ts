/**
 * The console's JSON API (/console/api/…), same-origin: the session cookie goes along by
 * itself; every request that changes something carries the CSRF token of the session.
 * A 401 (the session ended) reloads /console, which asks to sign in again; a 400 with
 * problems and a 409 come back to the caller as values; anything else throws ApiError.
 * Publishing's requests give every refusal back as a value, with what the server said.
 */

export interface Account {
  name: string;
  /** null for an account configured without an AppID. */
  appId: string | null;
}

export interface Session {
  key: string;
  accounts: Account[];
  csrfToken: string;
}

export interface Overview {
  account: string;
  health: { status: 'ok' | 'degraded'; redis: 'up' | 'down' | 'none' };
  /** Seconds until the access token held now expires; null when none is held. */
  token: { expiresInSeconds: number | null; refreshes: number };
  messages: { outcome: string; perMinute: number }[];
  errcodes: { errcode: string; count: number }[];
  /** Where the figures are counted from (ISO 8601). */
  since: string;
  /** True when several accounts count in one set of series (METRICS_ACCOUNT_LABEL=none). */
  sharedCounts: boolean;
  /** An account that authorised the third-party platform: when, and whether it must authorise again (61023). */
  authorisation: { authorizedAt: string; needsReauthorization: boolean } | null;
}

export interface Reply {
  /** `text`, or another type (`image`, `news`, …) whose `text` is a summary (a hand-over's: its agent, or nothing). */
  type: string;
  text: string;
}

export interface LiveMessage {
  account: string;
  time: string;
  type: string;
  /** Masked by the server. */
  openid: string;
  outcome: string;
  ms: number;
  reply: Reply | null;
  /** The follower's text, for text messages. */
  content: string | null;
}

export interface Problem {
  line: number | null;
  message: string;
}

export interface RepliesSource {
  /** null: the account has no replies file. */
  file: string | null;
  source: string;
  hash: string;
}

export type PreviewMessage = { type: 'text'; content: string } | { type: 'event'; event: 'subscribe' };

export interface Preview {
  reply: Reply | null;
  problems: Problem[];
}

/** What a request that may be refused gives back: its data, its problems (400) or a conflict (409). */
export type Result<T, P = Problem> = { kind: 'ok'; data: T } | { kind: 'invalid'; problems: P[] } | { kind: 'conflict'; error: string };

/** A failure nobody planned for: the network, a 5xx, an answer that is not JSON. */
export class ApiError extends Error {
  constructor(
    message: string,
    /** The HTTP status; 0 when no answer came. */
    readonly status: number,
    /** The field at fault, when the server named one (a 400 `{ error, field }`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

let csrfToken = '';

/** Kept in memory only (never in storage): sent as X-CSRF-Token with every POST and PUT. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** `/console/api/<path>?account=<name>`; without an account (a single one), no parameter. */
export function apiUrl(path: string, account: string | null): string {
  const url = `/console/api/${path}`;
  return account === null ? url : `${url}?${new URLSearchParams({ account }).toString()}`;
}

const RELOADED_KEY = 'wechat-console.reloaded-for-401';
/** A 401 this soon after reloading for one is not followed by another reload: no loop. */
const RELOAD_GUARD_MS = 10_000;

/**
 * The session ended: /console again, which asks to sign in (the promise never settles).
 * If the page was reloaded for a 401 moments ago and the API still says 401, it throws
 * instead, so that a server serving the page without the API never makes a reload loop.
 */
function signInAgain(): Promise<never> {
  let reloadedAt = 0;
  try {
    reloadedAt = Number(sessionStorage.getItem(RELOADED_KEY) ?? 0);
    sessionStorage.setItem(RELOADED_KEY, String(Date.now()));
  } catch {
    // No storage: reload all the same.
  }
  if (Date.now() - reloadedAt < RELOAD_GUARD_MS) throw new ApiError('HTTP 401', 401);
  window.location.assign('/console');
  return new Promise<never>(() => undefined);
}

async function readJson(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    throw new ApiError(`HTTP ${response.status}: not JSON`, response.status);
  }
}

function problemsOf<P>(body: unknown): P[] {
  const problems = (body as { problems?: unknown } | null)?.problems;
  return Array.isArray(problems) ? (problems as P[]) : [];
}

function errorOf(body: unknown, status: number): string {
  const error = (body as { error?: unknown } | null)?.error;
  return typeof error === 'string' ? error : `HTTP ${status}`;
}

function fieldOf(body: unknown): string | undefined {
  const field = (body as { field?: unknown } | null)?.field;
  return typeof field === 'string' ? field : undefined;
}

/** The request, with the CSRF token when it changes something; an ApiError (status 0) when no answer came. */
async function call(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['X-CSRF-Token'] = csrfToken;
    headers['Content-Type'] = 'application/json';
  }
  try {
    return await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  } catch (error) {
    throw new ApiError(error instanceof Error ? error.message : String(error), 0);
  }
}

async function request<T, P = Problem>(method: 'GET' | 'POST' | 'PUT', url: string, body?: unknown): Promise<Result<T, P>> {
  const response = await call(method, url, body);
  if (response.status === 401) return signInAgain();
  if (response.status === 400) {
    const json = await readJson(response);
    const problems = problemsOf<P>(json);
    // A 400 without problems (a malformed request) is a failure, not a finding about the rules.
    if (problems.length > 0) return { kind: 'invalid', problems };
    throw new ApiError(errorOf(json, 400), 400, fieldOf(json));
  }
  if (response.status === 409) return { kind: 'conflict', error: errorOf(await readJson(response), 409) };
  if (!response.ok) {
    const json = await readJson(response).catch(() => null);
    throw new ApiError(errorOf(json, response.status), response.status);
  }
  return { kind: 'ok', data: (await readJson(response)) as T };
}

/** A request whose 400 or 409 is unexpected too: its data, or an ApiError. */
async function requestData<T>(method: 'GET' | 'POST', url: string, body?: unknown): Promise<T> {
  const result = await request<T, { message: string }>(method, url, body);
  switch (result.kind) {
    case 'ok':
      return result.data;
    case 'invalid':
      throw new ApiError(result.problems.map((problem) => problem.message).join('; '), 400);
    case 'conflict':
      throw new ApiError(result.error, 409);
  }
}

export function getSession(): Promise<Session> {
  return requestData<Session>('GET', '/console/api/session');
}

export function getOverview(account: string | null): Promise<Overview> {
  return requestData<Overview>('GET', apiUrl('overview', account));
}

export function getReplies(account: string | null): Promise<RepliesSource> {
  return requestData<RepliesSource>('GET', apiUrl('replies', account));
}

/** Which version of the replies file each instance serves (`replies`: its SHA-256, null for none). */
export interface InstanceVersions {
  file: string | null;
  onDisk: string | null;
  instances: { id: string; host: string; pid: number; seenAt: string; replies: string | null }[];
}

export function getInstances(account: string | null): Promise<InstanceVersions> {
  return requestData<InstanceVersions>('GET', apiUrl('instances', account));
}

/** The problems of the rules in `source` (none: they would load). A 400 with problems says the same. */
export function checkReplies(account: string | null, source: string): Promise<Problem[]> {
  return problemsFrom<Problem>(apiUrl('replies/check', account), { source });
}

/** The problems a check route answers: in a 200, or in a 400 (either says the same). */
async function problemsFrom<P>(url: string, body: unknown): Promise<P[]> {
  const result = await request<{ problems?: P[] }, P>('POST', url, body);
  switch (result.kind) {
    case 'ok':
      return result.data.problems ?? [];
    case 'invalid':
      return result.problems;
    case 'conflict':
      throw new ApiError(result.error, 409);
  }
}

/** What the rules in `source` would answer to `message` (not saved rules: these). */
export async function previewReply(account: string | null, source: string, message: PreviewMessage): Promise<Preview> {
  const result = await request<Partial<Preview>>('POST', apiUrl('replies/preview', account), { source, message });
  switch (result.kind) {
    case 'ok':
      return { reply: result.data.reply ?? null, problems: result.data.problems ?? [] };
    case 'invalid':
      return { reply: null, problems: result.problems };
    case 'conflict':
      throw new ApiError(result.error, 409);
  }
}

/** Saves the rules if the file is still the one loaded with `baseHash`: the new hash, its problems, or a conflict. */
export function saveReplies(account: string | null, source: string, baseHash: string): Promise<Result<{ hash: string }>> {
  return request<{ hash: string }>('PUT', apiUrl('replies', account), { source, baseHash });
}

/** The URL of the live stream (server-sent events) for EventSource. */
export function liveUrl(account: string | null): string {
  return apiUrl('live', account);
}

/** One thing wrong with a menu, at its JSON path (`button[1].sub_button[5].name`). */
export interface MenuProblem {
  path: string;
  message: string;
}

/** A menu button as the file has it: a leaf with a type, or a top-level button with a sub-menu. */
export interface MenuButton {
  name: string;
  type?: string;
  key?: string;
  url?: string;
  appid?: string;
  pagepath?: string;
  media_id?: string;
  article_id?: string;
  sub_button?: MenuButton[];
}

/** The menu file: the default menu, and the personalised ones (kept as they are). */
export interface Menu {
  button: MenuButton[];
  conditional?: unknown[];
}

export interface MenuSource {
  /** null: the account has no menu file. */
  file: string | null;
  source: string;
  hash: string;
  /** null when the file is not JSON. */
  menu: unknown;
  problems: MenuProblem[];
}

export interface MenuDifference {
  path: string;
  /** Absent when only WeChat has it. */
  file?: unknown;
  /** Absent when only the file has it. */
  wechat?: unknown;
}

export interface MenuComparison {
  wechat: unknown;
  differences: MenuDifference[];
}

export function getMenu(account: string | null): Promise<MenuSource> {
  return requestData<MenuSource>('GET', apiUrl('menu', account));
}

/** The problems the server's checker finds in `menu` (WeChat's limits). */
export function checkMenu(account: string | null, menu: Menu): Promise<MenuProblem[]> {
  return problemsFrom<MenuProblem>(apiUrl('menu/check', account), { menu });
}

export function diffMenu(account: string | null, menu: Menu): Promise<MenuComparison> {
  return requestData<MenuComparison>('POST', apiUrl('menu/diff', account), { menu });
}

/** Saves the menu if the file is still the one loaded with `baseHash`. */
export function saveMenu(account: string | null, menu: Menu, baseHash: string): Promise<Result<{ hash: string }, MenuProblem>> {
  return request<{ hash: string }, MenuProblem>('PUT', apiUrl('menu', account), { menu, baseHash });
}

/** Pushes the saved file to WeChat, if it is still the version `hash` names. */
export function pushMenu(account: string | null, hash: string): Promise<Result<{ pushed: true; steps: number }, MenuProblem>> {
  return request<{ pushed: true; steps: number }, MenuProblem>('POST', apiUrl('menu/push', account), { hash });
}

/** A template message of the account: its placeholders (`thing1`, …) in the order of its content. */
export interface Template {
  template_id: string;
  title: string;
  placeholders: string[];
}

/** The account's templates (503 without an AppID and AppSecret: an ApiError saying so). */
export async function getTemplates(account: string | null): Promise<Template[]> {
  return (await requestData<{ templates: Template[] }>('GET', apiUrl('templates', account))).templates;
}

export interface TemplateSend {
  touser: string;
  template_id: string;
  data: Record<string, string>;
  url?: string;
}

export interface CustomSend {
  touser: string;
  reply: { type: 'text'; content: string };
}

export interface SubscribeSend {
  touser: string;
  template_id: string;
  data: Record<string, string>;
  page?: string;
}

/** A subscription-notice template of the account: its grant kind and keywords. */
export interface NoticeTemplate extends Template {
  kind: 'one-time' | 'long-term';
}

/** What the server knows of a user's grant of one notice template. */
export interface Grant {
  template_id: string;
  kind: 'one-time' | 'long-term';
  remaining: number | null;
  status: 'accept' | 'reject' | 'used';
}

/** The customer-service window as the server knows it (`until` in ms since the epoch). */
export interface Window {
  window: 'open' | 'closed' | 'unknown';
  until: number | null;
  sentSinceLatest: number;
  sendsLeft: number | null;
  latest: number | null;
}

/** Whether, and how, a user can be reached now. */
export interface Reach {
  window: Window['window'];
  window_until: string | null;
  custom_sent_in_window: number;
  sends_left: number | null;
  grants: Grant[];
  /** When the user last wrote, followed, scanned or clicked the menu (the console's only). */
  last_interaction: string | null;
}

export type SendKind = 'template' | 'custom' | 'subscribe';

/**
 * What a check answered: a template message as it will go out; the customer-service text,
 * how many messages it makes and the window; a notice, its kind and the user's grant.
 */
export type CheckedSend =
  | { message: unknown; kind?: undefined }
  | { touser: string; reply: unknown; pieces: number; window: Window }
  | { message: unknown; kind: NoticeTemplate['kind']; grant: Grant | null };

/** The account's subscription-notice templates (503 without an AppID and AppSecret: an ApiError saying so). */
export async function getNotices(account: string | null): Promise<NoticeTemplate[]> {
  return (await requestData<{ templates: NoticeTemplate[] }>('GET', apiUrl('notices', account))).templates;
}

/**
 * Runs every check of the send, sending nothing: what would go out. A refusal (400
 * `{ error, field }`) is an ApiError whose `field` names the field at fault.
 */
export function checkSend(account: string | null, kind: SendKind, body: TemplateSend | CustomSend | SubscribeSend): Promise<CheckedSend> {
  return requestData<CheckedSend>('POST', apiUrl(`send/${kind}/check`, account), body);
}

/** Sends: `{ msgid }` for a template message, `{ sent }` (the number of messages) for a customer-service one. */
export function send(
  account: string | null,
  kind: SendKind,
  body: TemplateSend | CustomSend | SubscribeSend,
): Promise<{ msgid?: number | string; sent?: number | true }> {
  return requestData<{ msgid?: number | string; sent?: number | true }>('POST', apiUrl(`send/${kind}`, account), body);
}

/** WeChat's profile of a follower, as WeChat answers it (404 for no such follower: an ApiError). */
export function getUser(account: string | null, openid: string): Promise<Record<string, unknown>> {
  const url = `/console/api/users/${encodeURIComponent(openid)}`;
  return requestData<Record<string, unknown>>('GET', account === null ? url : `${url}?${new URLSearchParams({ account }).toString()}`);
}

/** The customer-service window and the notice grants the server knows of. */
export function getReach(account: string | null, openid: string): Promise<Reach> {
  const url = `/console/api/users/${encodeURIComponent(openid)}/reach`;
  return requestData<Reach>('GET', account === null ? url : `${url}?${new URLSearchParams({ account }).toString()}`);
}

/** An article file under ARTICLES_DIR, as the server lists it, with its draft. */
export interface ArticleEntry {
  /** Relative to ARTICLES_DIR. */
  file: string;
  /** null when the file cannot be read as an article (`problems` says why). */
  title: string | null;
  problems: string[];
  /** Its draft (`at` in ms since the epoch); `current` when the file has not changed since. */
  draft: { media_id: string; at: number; current: boolean } | null;
  /** Whether a preview of the file's content as it is now was sent. */
  previewed: boolean;
}

export interface ArticleCheck {
  problems: string[];
  /** The length of the article's HTML, in characters (WeChat takes fewer than 20,000). */
  characters: number;
}

export interface ArticleDraft {
  media_id: string;
  action: 'added' | 'updated';
  images_uploaded: number;
  images_reused: number;
  cover_uploaded: boolean;
}

export interface ArticlePublish {
  publish_id: string;
  media_id: string;
}

export interface ArticleMass {
  msg_ids: string[];
  clientmsgids: string[];
}

/** Who a mass send goes to, as the server takes it. */
export type MassAudience = 'all' | `tag:${number}`;

/** A mass send the server recorded under its clientmsgid (`errcode` when WeChat refused it). */
export interface MassSendRecord {
  clientMsgId: string;
  msgIds: string[];
  at: number;
  errcode?: number;
}

/** What the server knows of a publish_id or a msg_id: the event WeChat pushed, else WeChat's answer now. */
export type PublishingStatus =
  | {
      kind: 'publish';
      publishId: string;
      source: 'event' | 'wechat';
      status: number;
      meaning: string;
      articleUrls: string[];
      failIdx: number[];
    }
  | {
      kind: 'mass';
      msgId: string;
      source: 'event' | 'wechat';
      status: string;
      result?: { status: string; total?: number; filtered?: number; sent?: number; errors?: number; at: number };
      send?: MassSendRecord;
    }
  | { kind: 'send'; send: MassSendRecord };

/**
 * Why the server refused a publishing step, as it said it: the HTTP status (0: no answer
 * came), the rail that held (`reason`), WeChat's errcode, the article's problems, the
 * field at fault, and how long to wait. The page words it in the operator's language.
 */
export interface Refusal {
  status: number;
  error: string;
  reason?: string;
  errcode?: number;
  errmsg?: string;
  field?: string;
  problems: string[];
  retryAfterS?: number;
}

/** What a publishing request gives back: its data, or the server's refusal (it never rejects). */
export type Publishing<T> = { kind: 'ok'; data: T } | { kind: 'refused'; refusal: Refusal };

function refusalOf(body: unknown, status: number, retryAfter: string | null): Refusal {
  const json = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
  const seconds = retryAfter === null ? NaN : Number(retryAfter);
  const refusal: Refusal = {
    status,
    error: text(json.error) ?? `HTTP ${status}`,
    problems: Array.isArray(json.problems) ? json.problems.filter((item): item is string => typeof item === 'string') : [],
  };
  const reason = text(json.reason);
  if (reason !== undefined) refusal.reason = reason;
  if (typeof json.errcode === 'number') refusal.errcode = json.errcode;
  const errmsg = text(json.errmsg);
  if (errmsg !== undefined) refusal.errmsg = errmsg;
  const field = text(json.field);
  if (field !== undefined) refusal.field = field;
  if (Number.isFinite(seconds) && seconds >= 0) refusal.retryAfterS = seconds;
  return refusal;
}

async function publishing<T>(method: 'GET' | 'POST', path: string, account: string | null, body?: unknown): Promise<Publishing<T>> {
  let response: Response;
  try {
    response = await call(method, apiUrl(`articles${path}`, account), body);
  } catch (error) {
    return { kind: 'refused', refusal: { status: 0, error: error instanceof Error ? error.message : String(error), problems: [] } };
  }
  if (response.status === 401) {
    try {
      return await signInAgain();
    } catch {
      return { kind: 'refused', refusal: { status: 401, error: 'HTTP 401', problems: [] } };
    }
  }
  let json: unknown = null;
  try {
    json = (await response.json()) as unknown;
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  if (response.ok && json !== null) return { kind: 'ok', data: json as T };
  return { kind: 'refused', refusal: refusalOf(json, response.ok ? 502 : response.status, response.headers.get('Retry-After')) };
}

/** The article files under ARTICLES_DIR, with their drafts. */
export async function getArticles(account: string | null): Promise<Publishing<ArticleEntry[]>> {
  const result = await publishing<{ articles: ArticleEntry[] }>('GET', '', account);
  return result.kind === 'ok' ? { kind: 'ok', data: result.data.articles } : result;
}

/** The article's problems, offline: nothing goes to WeChat. */
export function checkArticle(account: string | null, file: string): Promise<Publishing<ArticleCheck>> {
  return publishing<ArticleCheck>('POST', '/check', account, { file });
}

/** The file as a draft: added, or its draft updated; each image uploaded once. */
export function draftArticle(account: string | null, file: string): Promise<Publishing<ArticleDraft>> {
  return publishing<ArticleDraft>('POST', '/draft', account, { file });
}

/** A preview of the file's draft to one openid (what a mass send of it needs first). */
export function previewArticle(account: string | null, file: string, to: string): Promise<Publishing<{ media_id: string }>> {
  return publishing<{ media_id: string }>('POST', '/preview', account, { file, to });
}

/** Publishes the file's draft (freepublish): a link, no push to followers. */
export function publishArticle(account: string | null, file: string): Promise<Publishing<ArticlePublish>> {
  return publishing<ArticlePublish>('POST', '/submit', account, { file });
}

/** Mass sends the file's draft, once: the server refuses it without a preview, and a second time. */
export function massSendArticle(account: string | null, file: string, to: MassAudience): Promise<Publishing<ArticleMass>> {
  return publishing<ArticleMass>('POST', '/mass', account, { file, to });
}

/** What the server knows of a publish_id or a msg_id. */
export function getPublishingStatus(account: string | null, id: string): Promise<Publishing<PublishingStatus>> {
  return publishing<PublishingStatus>('GET', `/status/${encodeURIComponent(id)}`, account);
}
