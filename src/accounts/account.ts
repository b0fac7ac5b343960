import { resolve } from 'node:path';
import type { Config } from '../core/config.js';
import type { MetricsRecorder } from '../core/metrics.js';
import { keyspaceOf } from '../redis/connection.js';
import { createRedisMediaIdStore } from '../redis/redis-media-ids.js';
import { createRedisRetryStore } from '../redis/redis-retry-store.js';
import { createRedisSeenSignatures } from '../redis/redis-seen-signatures.js';
import { createRedisSessionStore } from '../redis/redis-session-store.js';
import { createRedisTokenStore } from '../redis/redis-token-store.js';
import { createRedisUsedStates } from '../redis/redis-used-states.js';
import {
  mediaIdStoreWithFallback,
  reachStoreWithFallback,
  retryStoreWithFallback,
  seenSignaturesWithFallback,
  sessionStoreWithFallback,
  tokenStoreWithFallback,
  usedStatesWithFallback,
} from '../redis/with-fallback.js';
import { createMemoryRetryStore, type RetryStore } from '../replay-memory/retry-store.js';
import { createMemorySeenSignatures, type SeenSignatures } from '../replay-memory/seen-signatures.js';
import { createMemoryUsedStates, type MemoryUsedStates, type UsedStates } from '../replay-memory/used-states.js';
import { createResponder, type Responder } from '../replies/respond.js';
import { createReplyRouter, type ReplyRouter } from '../replies/router.js';
import { createMemorySessionStore, type SessionStore } from '../replies/session-store.js';
import { createMediaCache, createMemoryMediaIdStore, type MediaIdStore } from '../replies-file/media-cache.js';
import { uploadsWithoutCredentials } from '../replies-file/media-files.js';
import { withRepliesFile } from '../replies-file/router.js';
import { watchRepliesFile } from '../replies-file/watch.js';
import { createWeChatApi, type WeChatApi } from '../wechat-api/create-api.js';
import { uploadMedia, type MediaFile, type MediaType } from '../wechat-api/media.js';
import { createNoticeCatalog, createTemplateCatalog, type NoticeCatalog, type TemplateCatalog } from '../wechat-api/template-catalog.js';
import { createReach, type Reach } from '../reach/reach.js';
import { createAuthorizerApi } from '../open-platform/authorizer-api.js';
import type { OpenPlatform } from '../open-platform/open-platform.js';
import { createTyping } from '../wechat-api/typing.js';
import { createMemoryReachStore, type ReachStore } from '../reach/reach-store.js';
import { createRedisReachStore } from '../redis/redis-reach-store.js';
import { createMemoryTokenStore, type TokenStore } from '../wechat-api/token-store.js';
import { createFileRecordTables } from '../articles/file-record-tables.js';
import { createPublisher, type Publisher } from '../articles/publisher.js';
import { createPublishingEvents, type PublishingEvents } from '../articles/publishing-events.js';
import { createPublishingRecords, type RecordTables } from '../articles/publishing-records.js';
import { createRedisRecordTables } from '../redis/redis-record-tables.js';
import type { AccountSettings } from './account-settings.js';
import type { ServerResources } from './server-resources.js';

/** What an application may give each account: its handlers, and stores of its own. */
export interface AccountOptions {
  /** The application's handlers; the default rules answer whatever they leave. */
  readonly router?: ReplyRouter;
  /** Set false to answer `success` to whatever the router leaves unanswered. */
  readonly defaultRules?: boolean;
  /** Where the access token is kept (default: in this process, or Redis with REDIS_URL). */
  readonly tokenStore?: TokenStore;
  /** Where the JS-SDK's jsapi ticket is kept (default: in this process, or Redis with REDIS_URL). */
  readonly ticketStore?: TokenStore;
  /** Where WeChat's retries are recognised (default: in this process, or Redis with REDIS_URL). */
  readonly retryStore?: RetryStore;
  /** The process's memory of used OAuth states (default: createMemoryUsedStates; with REDIS_URL, Redis too). */
  readonly usedStates?: MemoryUsedStates;
}

/**
 * One official account: everything that is its own — credentials and key, access token
 * and jsapi ticket, retry and replay memory, sessions, replies file, media ids, template
 * cache, its series of `/metrics`. Nothing in it is shared with another account; in
 * Redis, its keys carry its AppID (`wechat:<AppID>:…`).
 */
export interface Account {
  readonly name: string;
  readonly appId: string | undefined;
  readonly settings: AccountSettings;
  /** WeChat's API as this account, when it has an AppID and AppSecret (or authorised the platform). */
  readonly api: WeChatApi | undefined;
  /**
   * What its OAuth cookies are signed with: its AppSecret, or for an account that
   * authorised the platform a key the platform derives for it; undefined without either.
   */
  readonly cookieSecret: string | undefined;
  /** The templates of this account, cached (made with the API). */
  readonly templates: TemplateCatalog | undefined;
  /** The subscription-notice templates of this account, cached (made with the API). */
  readonly notices: NoticeCatalog | undefined;
  /** The customer-service window and notice grants of each user (made with the API: without it nothing is sent). */
  readonly reach: Reach | undefined;
  readonly retryStore: RetryStore;
  /** The signatures of recent POSTs, against replays. */
  readonly seenSignatures: SeenSignatures;
  /** The OAuth states already used (each works once). */
  readonly usedStates: UsedStates;
  /** The followers' conversation state. */
  readonly sessions: SessionStore;
  /** The replies file's media ids, uploaded once. */
  readonly mediaIds: MediaIdStore;
  /** The account's handlers, replies file and default rules, within the deadline. */
  readonly responder: Responder;
  /** This account's series of `/metrics`. */
  readonly metrics: MetricsRecorder;
  /**
   * Publishing (drafts, publish, mass send) and the record of WeChat's reports of it;
   * undefined for an account without an AppID. `publisher` needs the API.
   */
  readonly publishing: { readonly events: PublishingEvents; readonly publisher: Publisher | undefined } | undefined;
  /** The SHA-256 (hex) of the replies file's version this process serves; undefined without one. */
  repliesVersion(): string | undefined;
  /**
   * For an account that authorised the platform: when, and whether WeChat refused its
   * refresh token (61023) so that it must authorise again. Undefined for the others.
   */
  authorisation(): Promise<AuthorisationStatus | undefined>;
  /** When the access token held now expires (ms since the epoch); undefined when none is held. */
  tokenExpiresAt(): Promise<number | undefined>;
  /** Stops watching its files, lets replies on their way go out, stops its Redis writers. */
  close(): Promise<void>;
}

/** What the platform knows of an authorised account's authorisation. */
export interface AuthorisationStatus {
  /** When it (last) authorised the platform, ms since the epoch. */
  readonly authorizedAt: number;
  readonly needsReauthorization: boolean;
}

/**
 * Builds one account on the server's shared resources; with REDIS_URL, its stores on
 * Redis with a fallback. An account that authorised the third-party platform
 * (`settings.componentAppId`) calls WeChat through `platform`; without it, it has no API.
 */
export function createAccount(
  settings: AccountSettings,
  config: Config,
  server: ServerResources,
  options: AccountOptions = {},
  platform?: OpenPlatform,
): Account {
  const { logger, now, redis } = server;
  // First: a replies file that does not validate stops the start (or the edit) before anything opens.
  const replies = settings.repliesFile === undefined ? undefined : watchRepliesFile(settings.repliesFile, logger);
  const metrics = server.metrics.forAccount(settings.name);
  const localUsedStates = options.usedStates ?? createMemoryUsedStates({ now });
  const sessionTtlMs = config.sessionTtlS * 1000;
  let tokenStore = options.tokenStore ?? createMemoryTokenStore();
  let ticketStore = options.ticketStore ?? createMemoryTokenStore();
  // The memories of retries and signatures (about 2.5 MiB resident together) are made by
  // the account's first message: an agency's quiet accounts cost little (BENCHMARKS.md).
  const localRetries = (): RetryStore => options.retryStore ?? createMemoryRetryStore({ maxBytes: config.retryMemoryMb * 1024 * 1024 });
  let retryStore = localRetries;
  let seenSignatures = (): SeenSignatures => createMemorySeenSignatures();
  let usedStates: UsedStates = localUsedStates;
  let mediaIds: MediaIdStore = createMemoryMediaIdStore();
  let sessions: SessionStore = createMemorySessionStore({ ttlMs: sessionTtlMs, now });
  let reachStore: ReachStore = createMemoryReachStore();
  let closeShared = (): void => undefined;
  let recordTables: RecordTables | undefined =
    settings.appId === undefined ? undefined : createFileRecordTables(config.articlesStateFile, settings.appId);
  if (redis !== undefined) {
    // Many instances, one token, one ticket and one retry memory; the process's own while Redis is down.
    const keys = keyspaceOf(redis, settings);
    tokenStore = tokenStoreWithFallback(redis, createRedisTokenStore(keys), tokenStore);
    ticketStore = tokenStoreWithFallback(redis, createRedisTokenStore(keys, 'jsapi_ticket'), ticketStore);
    // A retry on another instance waits for the first's answer, never past the deadline.
    const sharedRetries = createRedisRetryStore(keys, config.replyTimeoutMs);
    retryStore = () => retryStoreWithFallback(redis, sharedRetries, localRetries());
    seenSignatures = () => seenSignaturesWithFallback(redis, createRedisSeenSignatures(keys), createMemorySeenSignatures());
    usedStates = usedStatesWithFallback(redis, createRedisUsedStates(keys), localUsedStates);
    mediaIds = mediaIdStoreWithFallback(redis, createRedisMediaIdStore(keys), mediaIds);
    sessions = sessionStoreWithFallback(redis, createRedisSessionStore(keys, sessionTtlMs), sessions);
    reachStore = reachStoreWithFallback(redis, createRedisReachStore(keys), reachStore);
    // Publishing's records are shared by every instance and the commands: no fallback of the process's own.
    if (settings.appId !== undefined) recordTables = createRedisRecordTables(keys);
    closeShared = () => sharedRetries.close();
  }
  let madeRetryStore: RetryStore | undefined;
  let madeSeenSignatures: SeenSignatures | undefined;
  let api: WeChatApi | undefined;
  let cookieSecret = settings.appSecret;
  if (settings.componentAppId === undefined) {
    api = createWeChatApi(
      { ...settings, apiBase: config.apiBase, tokenMode: config.tokenMode },
      { store: tokenStore, ticketStore, now, logger, metrics },
    );
  } else if (platform !== undefined && settings.appId !== undefined) {
    // The platform keeps the authorizer token (and its refresh token) under its own keys.
    tokenStore = platform.state.authorizerToken(settings.appId);
    api = createAuthorizerApi(platform, settings.appId, { apiBase: config.apiBase, ticketStore, now, logger, metrics });
    // It has no AppSecret here: the platform derives the secret its OAuth cookies are signed with.
    cookieSecret = platform.cookieSecret(settings.appId);
  }
  const uploads = replies?.mediaFiles() ?? [];
  if (api === undefined && uploads.length > 0) logger.warn(uploadsWithoutCredentials(uploads));
  // The replies file's own images, voices and videos: uploaded once, their media ids shared.
  const client = api?.client;
  const upload = client === undefined ? undefined : (type: MediaType, file: MediaFile) => uploadMedia(client, type, file);
  const media = createMediaCache({ upload, store: mediaIds, logger, now });
  const notices = client === undefined ? undefined : createNoticeCatalog(client);
  const reach = client === undefined || notices === undefined ? undefined : createReach({ store: reachStore, client, notices, now });
  const records = recordTables === undefined ? undefined : createPublishingRecords(recordTables);
  const publishing =
    records === undefined || settings.appId === undefined
      ? undefined
      : {
          events: createPublishingEvents(records, logger, now),
          publisher:
            client === undefined
              ? undefined
              : createPublisher({ client, records, appId: settings.appId, now, root: resolve(config.articlesDir) }),
        };
  const router = options.router ?? createReplyRouter();
  const responder = createResponder({
    router: replies === undefined ? router : withRepliesFile(router, replies, media),
    sessions,
    defaultRules: options.defaultRules ?? true,
    fallbackReply: config.fallbackReply,
    timeoutMs: config.replyTimeoutMs,
    api: client,
    account: { name: settings.name, appId: settings.appId },
    ...(client === undefined ? {} : { typing: createTyping(client, logger), typingAfterMs: config.typingAfterMs }),
    ...(reach === undefined ? {} : { customSent: (openid: string, count: number) => reach.countSent(openid, count) }),
  });
  return {
    name: settings.name,
    appId: settings.appId,
    settings,
    api,
    cookieSecret,
    templates: client === undefined ? undefined : createTemplateCatalog(client),
    notices,
    reach,
    get retryStore() {
      return (madeRetryStore ??= retryStore());
    },
    get seenSignatures() {
      return (madeSeenSignatures ??= seenSignatures());
    },
    usedStates,
    sessions,
    mediaIds,
    responder,
    metrics,
    publishing,
    repliesVersion: () => replies?.version(),
    async authorisation() {
      if (platform === undefined || settings.componentAppId === undefined || settings.appId === undefined) return undefined;
      const record = await platform.state.readAuthorizer(settings.appId);
      return record === undefined ? undefined : { authorizedAt: record.authorizedAt, needsReauthorization: record.needsReauthorization };
    },
    tokenExpiresAt: async () => (await tokenStore.read().catch(() => undefined))?.expiresAt,
    async close() {
      replies?.close();
      // Replies still on their way go out before the connections they need are closed.
      await responder.settled();
      closeShared();
    },
  };
}
