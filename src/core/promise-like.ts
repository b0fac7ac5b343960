/**
 * Whether a value that may or may not be a promise is one, for the paths that skip an
 * `await` (and its turn of the microtask queue) when the work was synchronous. Any
 * thenable counts, as `await` would treat it.
 */
export function isPromiseLike<T>(value: T | PromiseLike<T>): value is PromiseLike<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}
