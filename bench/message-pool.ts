import { freshKeywordMessage } from './keyword-replies.js';
import type { MessageSource } from './load.js';
import { freshTextMessage, type Outgoing } from './messages.js';
import type { Target } from './targets.js';

/** A fresh message of the target's load. */
function freshMessageFor(target: Target): () => Outgoing {
  if (target.load === 'keyword') return freshKeywordMessage;
  return () => freshTextMessage(target.safe);
}

/**
 * The target's text messages, built (and, in safe mode, encrypted) before the measured window, each
 * with a MsgId never sent before, so the load generator stays cheap and the server never
 * answers from its retry cache. Each is handed out once; past the end of the pool fresh
 * ones are built on the fly (counted in `builtLive`), so no MsgId is ever repeated.
 */
export class MessagePool implements MessageSource {
  private readonly pool: (Outgoing | undefined)[] = [];
  private index = 0;
  builtLive = 0;

  private readonly fresh: () => Outgoing;

  constructor(target: Target, size: number) {
    this.fresh = freshMessageFor(target);
    for (let i = 0; i < size; i++) this.pool.push(this.fresh());
  }

  next(): Outgoing {
    const message = this.pool[this.index];
    if (message !== undefined) {
      this.pool[this.index++] = undefined;
      return message;
    }
    this.builtLive += 1;
    return this.fresh();
  }
}
