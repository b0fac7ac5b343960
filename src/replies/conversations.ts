import { SessionUnavailableError } from '../core/errors.js';
import type { InboundMessage } from '../protocol/message-types.js';
import { sessionJson, type JsonValue } from './session-value.js';
import { conversationKey, type HeldSession, type SessionStore } from './session-store.js';

/** The state of one conversation (one user of one account), as a handler sees it. */
export interface Session<S = JsonValue> {
  /** The state, or undefined when there is none (never set, cleared, or expired). */
  get(): Promise<S | undefined>;
  /** Replaces the state; a TypeError for what is not plain JSON, a RangeError past 64 KiB. */
  set(value: S): Promise<void>;
  /** Forgets the state. */
  clear(): Promise<void>;
}

/** One message's time with its user's conversation: from its handler's start to its end. */
export interface Turn {
  readonly session: Session;
  /**
   * Ends the turn once `work` (the handler, if it is still running) and the session
   * calls it made have settled, or at the turn limit, whichever comes first.
   */
  close(work: PromiseLike<unknown> | undefined): void;
}

export interface Conversations {
  /** The end of the turn of this user's message still being handled, if any: one Map lookup. */
  ahead(message: InboundMessage): Promise<void> | undefined;
  /** Starts a turn for `message`: the user's next message waits for its end. */
  begin(message: InboundMessage): Turn;
}

const ended = () =>
  new SessionUnavailableError('ended', 'session used after its message’s handler finished: await every session call inside the handler');

/** What a handler gets when it reaches for `session` after its turn: every call refused. */
export const ENDED_SESSION: Session = Object.freeze({
  get: () => Promise.reject(ended()),
  set: () => Promise.reject(ended()),
  clear: () => Promise.reject(ended()),
});

/**
 * The conversations of this process. A user's messages take turns: a message that
 * arrives while an earlier one of the same user is being handled waits for its end. A
 * handler that answers synchronously without touching `session` never has a turn, so
 * the common message costs one `Map.size` check. The store is held lazily, on the
 * first session call, so that another instance's messages of the user wait too.
 */
export function createConversations(store: SessionStore, turnLimitMs: number): Conversations {
  // Keyed by FromUserName alone (an OpenID belongs to one account), so no key is built per message.
  const turns = new Map<string, TurnOfMessage>();

  class TurnOfMessage implements Turn {
    readonly done: Promise<void>;
    #end!: () => void;
    #ended = false;
    #held: Promise<HeldSession> | undefined;
    #calls: Promise<unknown> = Promise.resolve();
    #timer: NodeJS.Timeout | undefined;
    #session: Session | undefined;

    constructor(private readonly message: InboundMessage) {
      this.done = new Promise((resolve) => (this.#end = resolve));
    }

    get session(): Session {
      return (this.#session ??= {
        get: () => this.#call(async (held) => parse(await held.read())),
        set: async (value) => {
          const json = sessionJson(value);
          return this.#call((held) => held.write(json));
        },
        clear: () => this.#call((held) => held.delete()),
      });
    }

    /** Session calls run one after another, each once the conversation is held. */
    #call<T>(use: (held: HeldSession) => Promise<T>): Promise<T> {
      if (this.#ended) return Promise.reject(ended());
      const { ToUserName, FromUserName } = this.message;
      this.#held ??= store.hold(conversationKey(ToUserName, FromUserName), turnLimitMs);
      const held = this.#held;
      const call = this.#calls
        .then(() => held)
        .then((conversation) => {
          if (this.#ended) throw ended();
          return use(conversation);
        });
      this.#calls = call.catch(() => undefined);
      return call;
    }

    close(work: PromiseLike<unknown> | undefined): void {
      if (work === undefined && this.#held === undefined) return this.end();
      this.#timer = setTimeout(() => this.end(), turnLimitMs);
      const settled = work === undefined ? Promise.resolve() : Promise.resolve(work).catch(() => undefined);
      void settled.then(() => this.#calls).then(() => this.end());
    }

    end(): void {
      if (this.#ended) return;
      this.#ended = true;
      clearTimeout(this.#timer);
      void this.#held?.then(
        (held) => held.release(),
        () => undefined,
      );
      if (turns.get(this.message.FromUserName) === this) turns.delete(this.message.FromUserName);
      this.#end();
    }
  }

  return {
    ahead: (message) => (turns.size === 0 ? undefined : turns.get(message.FromUserName)?.done),
    begin(message) {
      const turn = new TurnOfMessage(message);
      turns.set(message.FromUserName, turn);
      return turn;
    },
  };
}

function parse(json: string | undefined): JsonValue | undefined {
  return json === undefined ? undefined : (JSON.parse(json) as JsonValue);
}
