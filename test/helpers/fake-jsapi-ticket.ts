/** The path of WeChat's jsapi ticket API. */
export const TICKET_PATH = '/cgi-bin/ticket/getticket';

/**
 * The fake WeChat's JS-SDK side: `GET /cgi-bin/ticket/getticket?type=jsapi` (once the
 * access token is checked) issues a new ticket each time, counts the calls, and can
 * refuse the token once as WeChat does when another system replaced it.
 */
export class FakeJsapiTickets {
  expiresIn = 7200;
  /** Every ticket issued, oldest first. */
  readonly issued: string[] = [];
  /** Every call that reached the route, refused ones included. */
  fetches = 0;
  #refuseToken = 0;
  /** What the next answer is instead of a ticket (an empty ticket, say). */
  nextAnswer: unknown;

  /** The next call answers 40001 whatever the token. */
  refuseTokenOnce(): void {
    this.#refuseToken++;
  }

  /** The ticket issued last. */
  latest(): string {
    const ticket = this.issued.at(-1);
    if (ticket === undefined) throw new Error('the fake issued no jsapi ticket yet');
    return ticket;
  }

  answer(query: Record<string, string>): unknown {
    this.fetches++;
    if (this.#refuseToken > 0) {
      this.#refuseToken--;
      return { errcode: 40001, errmsg: 'invalid credential, access_token is invalid or not latest' };
    }
    if (query.type !== 'jsapi') return { errcode: 40097, errmsg: 'invalid args' };
    if (this.nextAnswer !== undefined) {
      const answer = this.nextAnswer;
      this.nextAnswer = undefined;
      return answer;
    }
    const ticket = `jsapi_${this.issued.length + 1}_${Math.random().toString(36).slice(2)}-Ab_Cd`;
    this.issued.push(ticket);
    return { errcode: 0, errmsg: 'ok', ticket, expires_in: this.expiresIn };
  }
}
