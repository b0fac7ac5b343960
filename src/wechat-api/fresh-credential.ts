import type { Logger } from 'pino';
import { FailureBackOff } from '../core/failure-back-off.js';
import type { WeChatResponseBody } from './transport.js';
import { createMemoryTokenStore, type StoredToken, type TokenStore } from './token-store.js';

/** Reuse a credential until this long before WeChat says it expires. */
export const REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** A value WeChat refused, and the answer that refused it. */
export interface Refusal {
  readonly value: string;
  readonly answer: WeChatResponseBody;
}

/** A credential as WeChat hands it out: the value and its lifetime in seconds. */
export interface FetchedCredential {
  readonly value: string;
  readonly expiresIn: number;
}

export interface FreshCredentialOptions {
  /** What it is, for the logs ("access token", "jsapi ticket"); the value is never logged. */
  readonly name: string;
  /** Asks WeChat for a new one; `refused` is the value WeChat last refused, if any. */
  readonly fetch: (refused: Refusal | undefined) => Promise<FetchedCredential>;
  readonly store?: TokenStore;
  /** The clock, injectable so that expiry is tested without sleeping. */
  readonly now?: () => number;
  readonly logger?: Logger;
  /**
   * Whether a failed fetch's error holds the next callers back (the back-off below);
   * default: every error. The open platform's "no ticket yet" does not: the ticket may
   * arrive the next second, and the check that throws it asks WeChat nothing.
   */
  readonly backsOff?: (error: unknown) => boolean;
}

/**
 * A credential WeChat hands out for a while (the access token, the jsapi ticket), kept
 * fresh: concurrent callers share one fetch; it is reused until 5 minutes before it
 * expires (half its lifetime when that is under 10 minutes); the fetch runs under the
 * store's lock, so that with Redis one instance fetches for all; a refused value is
 * dropped only if it is still the stored one; an empty value is never taken. A failed
 * fetch is not made again at once: for a wait of 2 s, doubling with each failure in a row
 * up to a minute (failure-back-off.ts), callers get its error without WeChat being asked.
 */
export class FreshCredential {
  readonly #options: FreshCredentialOptions;
  readonly #store: TokenStore;
  readonly #now: () => number;
  #local: StoredToken | undefined;
  #pending: Promise<string> | undefined;
  #refused: Refusal | undefined;
  readonly #backOff: FailureBackOff<string>;

  constructor(options: FreshCredentialOptions) {
    this.#options = options;
    this.#store = options.store ?? createMemoryTokenStore();
    this.#now = options.now ?? Date.now;
    this.#backOff = new FailureBackOff({ now: this.#now });
  }

  /** A valid value, fetched only when none is stored or it is about to expire. */
  get(): Promise<string> {
    if (this.#local !== undefined && this.#usable(this.#local)) return Promise.resolve(this.#local.value);
    this.#pending ??= this.#load().finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** A valid value and when it expires. */
  async current(): Promise<StoredToken> {
    const value = await this.get();
    const local = this.#local;
    // A concurrent refusal may have dropped it meanwhile: it is still the value handed out.
    return local?.value === value ? local : { value, expiresAt: this.#now() };
  }

  /** Forgets `refused`, which WeChat rejected with `answer`. */
  async invalidate(refused: string, answer: WeChatResponseBody = {}): Promise<void> {
    this.#refused = { value: refused, answer };
    if (this.#local?.value === refused) this.#local = undefined;
    await this.#store.discard(refused);
  }

  #usable(stored: StoredToken | undefined): stored is StoredToken {
    return (
      stored !== undefined &&
      stored.value !== '' &&
      stored.value !== this.#refused?.value &&
      stored.expiresAt - REFRESH_MARGIN_MS > this.#now()
    );
  }

  async #load(): Promise<string> {
    const stored = await this.#store.read();
    if (this.#usable(stored)) return (this.#local = stored).value;
    this.#throwWhileBackingOff();
    return this.#store.withRefreshLock(async () => {
      // Another caller (or instance) may have fetched it while this one waited.
      const again = await this.#store.read();
      if (this.#usable(again)) return (this.#local = again).value;
      this.#throwWhileBackingOff();
      const fetched = await this.#fetch();
      await this.#store.write(fetched);
      this.#local = fetched;
      this.#options.logger?.info({ expiresAt: new Date(fetched.expiresAt).toISOString() }, `${this.#options.name} refreshed`);
      return fetched.value;
    });
  }

  /** The last fetch failed a moment ago: its error again, without asking WeChat. */
  #throwWhileBackingOff(): void {
    const failure = this.#backOff.blocking(this.#options.name);
    if (failure !== undefined) throw failure.error;
  }

  async #fetch(): Promise<StoredToken> {
    try {
      const fetched = this.#toStored(await this.#options.fetch(this.#refused));
      this.#backOff.succeeded(this.#options.name);
      return fetched;
    } catch (error) {
      if (this.#options.backsOff?.(error) !== false) this.#backOff.failed(this.#options.name, error);
      throw error;
    }
  }

  #toStored({ value, expiresIn }: FetchedCredential): StoredToken {
    if (value === '' || !(expiresIn > 0)) throw new TypeError(`the fetched ${this.#options.name} is empty or already expired`);
    // A lifetime shorter than twice the margin would be refreshed almost at once: keep half of it.
    const lifetime = expiresIn * 1000;
    const margin = Math.min(REFRESH_MARGIN_MS, lifetime / 2);
    return { value, expiresAt: this.#now() + lifetime - margin + REFRESH_MARGIN_MS };
  }
}
