import { ConfigError, ReauthorizationNeededError, TicketMissingError, WeChatApiError, WeChatUnreachableError } from '../core/errors.js';
import { AUTHORISE_AT, NotAuthorisedError } from './cli-errors.js';
import { printable } from './printable.js';

/**
 * What a command prints for the failures it expects, the same in every command: WeChat's
 * errcode (one line naming the path, the errcode and WeChat's errmsg), WeChat out of reach
 * (one line), settings that cannot work (a line for each), and for an account that
 * authorised the platform, one line when it has not (or no longer), when it must
 * authorise again, or while the platform waits for its ticket. Undefined for anything
 * else, which the command lets throw. Whatever came from outside is escaped for the terminal.
 */
export function failureText(error: unknown): string | undefined {
  if (error instanceof WeChatApiError) return `WeChat refused ${error.path}: errcode ${error.errcode} (${printable(error.errmsg)})`;
  if (error instanceof WeChatUnreachableError) return printable(error.message);
  if (error instanceof ConfigError) return error.problems.map((problem) => printable(problem.message)).join('\n');
  if (error instanceof ReauthorizationNeededError) return printable(`${error.message}; ${AUTHORISE_AT}`);
  if (error instanceof NotAuthorisedError || error instanceof TicketMissingError) return printable(error.message);
  return undefined;
}
