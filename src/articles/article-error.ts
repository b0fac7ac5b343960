/**
 * An article file that cannot be read as an article at all: unreadable, too big, not
 * UTF-8, without front matter or with front matter that is malformed. What is wrong with
 * a readable article against WeChat's limits (a long title, a missing image) is not an
 * error but a problem line of `articleProblems`, so that every one is reported at once.
 */
export class ArticleError extends Error {
  override readonly name = 'ArticleError';

  /** `problem` says what is wrong; the message is one line, `<file>: <problem>`. */
  constructor(
    readonly file: string,
    problem: string,
  ) {
    // One line, whatever the problem quotes (a YAML error spans several).
    super(`${file}: ${problem.split(/\r?\n/).join(' ')}`);
  }
}
