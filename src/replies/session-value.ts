/** A value JSON keeps as it is: what a conversation's state may hold. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue | undefined };

/**
 * `T` as JSON keeps it: what a state type must equal to be accepted
 * (`createReplyRouter<S extends JsonShaped<S>>`). Unlike JsonValue, it accepts
 * interfaces; a Date, a Map, a class with methods or a function do not match.
 */
export type JsonShaped<T> = { [K in keyof T]: JsonField<T[K]> };
type JsonField<T> = T extends JsonValue | undefined ? T : T extends (...args: never[]) => unknown ? never : JsonShaped<T>;

/** A conversation's state is at most 64 KiB of JSON: state, not storage. */
export const MAX_SESSION_BYTES = 64 * 1024;

/** Where in the value a problem is, as a path a reader recognises: `state.order.items[2]`. */
function describe(path: string, problem: string): TypeError {
  return new TypeError(
    `session.set: ${path} ${problem}; a conversation's state must be plain JSON (objects, arrays, strings, finite numbers, booleans, null)`,
  );
}

function check(value: unknown, path: string, seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw describe(path, `is ${value}, which JSON cannot hold`);
      return;
    case 'object':
      break;
    default:
      throw describe(path, `is a ${typeof value}`);
  }
  if (value === null) return;
  if (seen.has(value)) throw describe(path, 'refers back to itself');
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value) || value[i] === undefined) throw describe(`${path}[${i}]`, 'is undefined (JSON would store null)');
      check(value[i], `${path}[${i}]`, seen);
    }
  } else {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      const name = (value as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw describe(path, `is a ${name}, not a plain object`);
    }
    // An undefined property is left out, as JSON.stringify does: optional fields stay optional.
    for (const [key, field] of Object.entries(value)) if (field !== undefined) check(field, `${path}.${key}`, seen);
  }
  seen.delete(value);
}

/**
 * The state as stored: its JSON. Throws a TypeError naming the part that is not plain
 * JSON (a Date, a Map, a class instance, NaN, a function, a cycle…), so that what
 * `get()` returns is always what was set; a RangeError past MAX_SESSION_BYTES.
 */
export function sessionJson(value: unknown): string {
  if (value === undefined) throw new TypeError('session.set: the state is undefined; use session.clear() to forget it');
  check(value, 'state', new Set());
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_SESSION_BYTES) {
    throw new RangeError(
      `session.set: the state is ${bytes} bytes of JSON, more than the ${MAX_SESSION_BYTES} (64 KiB) a conversation may keep`,
    );
  }
  return json;
}
