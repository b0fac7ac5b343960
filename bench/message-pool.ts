import type { MessageSource } from './load.js';
import { freshTextMessage, type Outgoing } from './messages.js';

/**
 * Text messages built (and, in safe mode, encrypted) before the measured window, each
 * with a MsgId never sent before, so the load generator stays cheap and the server never
 * answers from its retry cache. Each is handed out once; past the end of the pool fresh
 * ones are built on the fly (counted in `builtLive`), so no MsgId is ever repeated.
 */
export class MessagePool implements MessageSource {
  private readonly pool: (Outgoing | undefined)[] = [];
  private index = 0;
  builtLive = 0;

  constructor(
    private readonly safe: boolean,
    size: number,
  ) {
    for (let i = 0; i < size; i++) this.pool.push(freshTextMessage(safe));
  }

  next(): Outgoing {
    const message = this.pool[this.index];
    if (message !== undefined) {
      this.pool[this.index++] = undefined;
      return message;
    }
    this.builtLive += 1;
    return freshTextMessage(this.safe);
  }
}
