import { existsSync } from 'node:fs';
import { isIP } from 'node:net';

/**
 * How the text of one environment variable becomes a value: the parsers that the table of
 * variables (`config-variables.ts`) names. Each returns the value, or a Refusal saying
 * what is wrong in words that follow the variable's name ("PORT must be …"). A refusal
 * never quotes the text of a variable that holds a secret.
 */

/** Why a variable's text is refused: the words after its name. */
export class Refusal {
  constructor(readonly problem: string) {}
}

/** Turns a variable's text (never empty, unless the variable says empty is a value) into its value. */
export type Parse<T> = (raw: string) => T | Refusal;

/** An address or a CIDR block of TRUST_PROXY: `10.0.0.0/8` is `{ network: '10.0.0.0', prefix: 8 }`. */
export interface AddressRange {
  readonly network: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

export const text: Parse<string> = (raw) => raw;

export function wholeNumber(min: number, max: number): Parse<number> {
  return (raw) => {
    const value = /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!Number.isSafeInteger(value) || value < min || value > max) {
      return new Refusal(`must be a whole number from ${min} to ${max}, not "${raw}"`);
    }
    return value;
  };
}

export const flag: Parse<boolean> = (raw) => {
  if (raw === 'true' || raw === '1') return true;
  if (raw === 'false' || raw === '0') return false;
  return new Refusal(`must be "true" or "false", not "${raw}"`);
};

export function oneOf<const T extends string>(values: readonly T[]): Parse<T> {
  const quoted = values.map((value) => `"${value}"`);
  const listed = `${quoted.slice(0, -1).join(', ')} or ${quoted.at(-1) ?? ''}`;
  return (raw) => values.find((value) => value === raw) ?? new Refusal(`must be ${listed}, not "${raw}"`);
}

/** A URL of one of `protocols` (`['http:', 'https:']`), without its trailing slashes. */
export function url(protocols: readonly string[]): Parse<string> {
  return (raw) => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      // Not quoted: a REDIS_URL may carry a password.
      return new Refusal(`is not a URL: expected ${protocols.map((p) => `${p}//…`).join(' or ')}`);
    }
    if (!protocols.includes(parsed.protocol)) {
      return new Refusal(`must start with ${protocols.map((p) => `${p}//`).join(' or ')}, not "${parsed.protocol}//"`);
    }
    return raw.replace(/\/+$/, '');
  };
}

export const urlPath: Parse<string> = (raw) =>
  /^\/[A-Za-z0-9._~\-/]*$/.test(raw) ? raw : new Refusal(`must be a URL path starting with "/" (letters, digits, . _ ~ - /), not "${raw}"`);

export const aesKey: Parse<string> = (raw) =>
  /^[A-Za-z0-9+/]{43}$/.test(raw)
    ? raw
    : new Refusal(`must be the 43 base64 characters (A–Z, a–z, 0–9, +, /) shown on the platform, not ${raw.length} characters`);

/** Shorter than this, a token is guessed in seconds (four digits were, in 1.3 s). */
export const ADMIN_TOKEN_MIN_LENGTH = 16;

export const adminToken: Parse<string> = (raw) =>
  raw.length >= ADMIN_TOKEN_MIN_LENGTH
    ? raw
    : new Refusal(
        `is ${raw.length} characters long; use at least ${ADMIN_TOKEN_MIN_LENGTH}, random (openssl rand -hex 16 makes one), or leave it empty for this machine only`,
      );

/** TRUST_PROXY: addresses or CIDR blocks, comma-separated. */
export const addressRanges: Parse<readonly AddressRange[]> = (raw) => {
  const ranges: AddressRange[] = [];
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const slash = entry.indexOf('/');
    const network = slash === -1 ? entry : entry.slice(0, slash);
    const version = isIP(network);
    const bits = version === 4 ? 32 : 128;
    const prefixText = slash === -1 ? String(bits) : entry.slice(slash + 1);
    const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    if (version === 0 || !(prefix <= bits)) {
      return new Refusal(`has "${entry}", which is not an IP address or a CIDR block (such as 127.0.0.1 or 10.0.0.0/8)`);
    }
    ranges.push({ network, prefix, family: version === 4 ? 'ipv4' : 'ipv6' });
  }
  return Object.freeze(ranges);
};

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const DOMAIN_NAME = new RegExp(`^(?=.{1,253}$)${LABEL}(?:\\.${LABEL})*$`);

/**
 * JSSDK_DOMAINS: exact host names, compared with a URL's hostname as a browser parses
 * it (lower case, an internationalised name in punycode, IPv6 in brackets).
 */
export const hostNames: Parse<readonly string[]> = (raw) => {
  const hosts: string[] = [];
  for (const entry of raw.split(',').map((part) => part.trim())) {
    if (entry === '') continue;
    const problem = new Refusal(`entries are host names such as example.com (no scheme, port, path or wildcard), not "${entry}"`);
    if (/[\s/\\?#@*%]/.test(entry) || (/:/.test(entry) && !/^\[[0-9a-f:.]+\]$/i.test(entry))) return problem;
    let hostname: string;
    try {
      hostname = new URL(`http://${entry}/`).hostname;
    } catch {
      return problem;
    }
    if (!hostname.startsWith('[') && !DOMAIN_NAME.test(hostname)) return problem;
    hosts.push(hostname);
  }
  if (hosts.length === 0) return new Refusal('lists no host name: give at least one, such as example.com, or leave it unset');
  return Object.freeze(hosts);
};

/**
 * REPLIES_FILE: a .yaml, .yml or .json file that exists; set but empty is `null`, "no
 * replies file", even where the default one exists.
 */
export const repliesFile: Parse<string | null> = (raw) => {
  if (raw === '') return null;
  if (!/\.(ya?ml|json)$/i.test(raw)) return new Refusal(`must end in .yaml, .yml or .json, not "${raw}"`);
  if (!existsSync(raw)) return new Refusal(`names ${raw}, which does not exist (unset it to answer with the default rules)`);
  return raw;
};
