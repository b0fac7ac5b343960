import { ConfigError, WeChatApiError, WeChatUnreachableError } from '../core/errors.js';
import { printable } from './printable.js';

/**
 * What a command prints for the failures it expects, the same in every command: WeChat's
 * errcode (one line naming the path, the errcode and WeChat's errmsg), WeChat out of reach
 * (one line), settings that cannot work (a line for each). Undefined for anything else,
 * which the command lets throw. Whatever came from outside is escaped for the terminal.
 */
export function failureText(error: unknown): string | undefined {
  if (error instanceof WeChatApiError) return `WeChat refused ${error.path}: errcode ${error.errcode} (${printable(error.errmsg)})`;
  if (error instanceof WeChatUnreachableError) return printable(error.message);
  if (error instanceof ConfigError) return error.problems.map((problem) => printable(problem.message)).join('\n');
  return undefined;
}
