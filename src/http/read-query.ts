/** A request's query: each parameter once, as a string; repeated or empty ones left out. */
export type Query = ReadonlyMap<string, string>;

/** The value of a hex digit's character code, or -1. */
function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  return lower >= 0x61 && lower <= 0x66 ? lower - 0x57 : -1;
}

/** True when the text holds a `%` followed by two hex digits. */
function hasEscape(text: string): boolean {
  for (let at = text.indexOf('%'); at !== -1; at = text.indexOf('%', at + 1)) {
    if (hexValue(text.charCodeAt(at + 1)) !== -1 && hexValue(text.charCodeAt(at + 2)) !== -1) return true;
  }
  return false;
}

/**
 * Decodes a query component as the URL Standard does: `+` is a space, `%XX` a byte,
 * and the bytes are read as UTF-8 (U+FFFD where they are not); a `%` not followed by
 * two hex digits stays as it is. Most components have neither and are returned at
 * once; the others are decoded in one pass, without exceptions (a query can hold
 * thousands of stray `%`, each of which would make decodeURIComponent throw).
 */
function decode(component: string): string {
  const spaced = component.includes('+') ? component.replaceAll('+', ' ') : component;
  if (!hasEscape(spaced)) return spaced;
  const bytes = Buffer.from(spaced, 'utf8');
  let length = 0;
  for (let i = 0; i < bytes.length; i++) {
    const high = bytes[i] === 0x25 ? hexValue(bytes[i + 1] ?? 0) : -1;
    const low = high === -1 ? -1 : hexValue(bytes[i + 2] ?? 0);
    if (low === -1) {
      bytes[length++] = bytes[i] as number;
    } else {
      bytes[length++] = high * 16 + low;
      i += 2;
    }
  }
  return bytes.toString('utf8', 0, length);
}

/**
 * Reads the query of a request URL without a framework (the webhook's hot path skips
 * Express), by the URL Standard's rules: pairs split at `&` (empty ones skipped), a
 * name at the first `=`. A parameter given twice is ambiguous and counts as absent.
 * Not URLSearchParams: Node's mangles a non-ASCII character after a stray `%`, and
 * drops a leading `?` of the query itself.
 */
export function readQuery(url: string | undefined): Query {
  const query = new Map<string, string>();
  const mark = url?.indexOf('?') ?? -1;
  if (url === undefined || mark === -1) return query;
  let repeated: Set<string> | undefined;
  let equals = -1; // the next `=` at or after `at` (url.length: none left)
  for (let at = mark + 1; at < url.length;) {
    let end = url.indexOf('&', at);
    if (end === -1) end = url.length;
    if (end > at) {
      // Searched again only once passed, so that `a&a&a…` stays linear.
      if (equals < at) {
        equals = url.indexOf('=', at);
        if (equals === -1) equals = url.length;
      }
      const named = equals < end;
      const name = decode(url.slice(at, named ? equals : end));
      const value = named ? decode(url.slice(equals + 1, end)) : '';
      if (query.has(name)) (repeated ??= new Set()).add(name);
      else query.set(name, value);
    }
    at = end + 1;
  }
  if (repeated !== undefined) for (const name of repeated) query.delete(name);
  for (const [name, value] of query) if (value === '') query.delete(name);
  return query;
}
