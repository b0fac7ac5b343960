import type { TokenStore } from '../wechat-api/token-store.js';

/** The last component_verify_ticket WeChat pushed, and when it arrived (ms since the epoch). */
export interface StoredTicket {
  readonly value: string;
  readonly receivedAt: number;
}

/** An account that authorised the platform, as kept: never its refresh token in the clear. */
export interface AuthorizerRecord {
  readonly appId: string;
  /** Its authorizer_refresh_token, sealed (refresh-token-seal.ts). */
  readonly sealedRefreshToken: string;
  /** When it (last) authorised the platform, ms since the epoch. */
  readonly authorizedAt: number;
  /** WeChat refused its refresh token (61023): its calls fail until it authorises again. */
  readonly needsReauthorization: boolean;
  /** The permission sets (func_info's funcscope_category ids) it granted. */
  readonly funcInfo: readonly number[];
}

/**
 * What the open platform keeps, per component AppID: the ticket, the authorised
 * accounts, and the tokens (the component's, each account's). In a file without Redis
 * (file-state.ts), or in Redis for every instance (src/redis/redis-open-platform-state.ts).
 * The ticket and the accounts never expire nor are evicted; the tokens are kept like the
 * access token (a TokenStore with its lock).
 */
export interface OpenPlatformState {
  readTicket(): Promise<StoredTicket | undefined>;
  writeTicket(ticket: StoredTicket): Promise<void>;
  /** Drops the ticket only if it is still `value` (a newer push may have replaced it). */
  discardTicket(value: string): Promise<void>;
  readAuthorizer(appId: string): Promise<AuthorizerRecord | undefined>;
  writeAuthorizer(record: AuthorizerRecord): Promise<void>;
  /** Marks the account as needing re-authorisation, only if its refresh token is still `sealedRefreshToken`. */
  markNeedsReauthorization(appId: string, sealedRefreshToken: string): Promise<void>;
  /**
   * Drops the account: its record and its access token, and in Redis every key it kept
   * (its retry memory, sessions, reach, media ids…); without Redis those die with its
   * `Account`.
   */
  deleteAuthorizer(appId: string): Promise<void>;
  /** The AppIDs of the authorised accounts. */
  authorizers(): Promise<readonly string[]>;
  /** The AppIDs of the accounts marked as needing re-authorisation (61023). */
  needingReauthorization(): Promise<readonly string[]>;
  /**
   * True when nobody asked WeChat to push a ticket within `intervalMs` (and remembers this
   * ask): at most one `api_start_push_ticket` per interval, across instances with Redis.
   */
  claimPushRequest(intervalMs: number): Promise<boolean>;
  /** Where the component_access_token is kept. */
  readonly componentToken: TokenStore;
  /** Where an account's authorizer_access_token is kept. */
  authorizerToken(appId: string): TokenStore;
  /** Waits for what is being written (the file), then lets go. */
  close(): Promise<void>;
}
