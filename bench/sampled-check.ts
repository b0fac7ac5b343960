import type { Outgoing } from './messages.js';
import { replyProblem } from './reply-check.js';

/**
 * Checks a sample of the responses in full (the first 20, then every `every`-th, and
 * every one that is not 200), so that checking never becomes the load generator's bottleneck.
 */
export class SampledCheck {
  private seen = 0;
  checked = 0;
  /** 200 responses whose body was wrong. */
  wrong = 0;
  readonly problems: string[] = [];

  constructor(private readonly every: number) {}

  readonly onReply = (sent: Outgoing, status: number, body: string): void => {
    this.seen += 1;
    if (status === 200 && this.seen > 20 && this.seen % this.every !== 0) return;
    this.checked += 1;
    const problem = replyProblem(status, body, sent.expect);
    if (problem === undefined) return;
    if (status === 200) this.wrong += 1;
    if (this.problems.length < 3) this.problems.push(problem);
  };
}
