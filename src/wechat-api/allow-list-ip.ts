import { isIP } from 'node:net';

/**
 * The errcodes that say "the IP this server calls from is not in an allow-list", and
 * where that list is kept.
 */
const ALLOW_LISTS: Readonly<Record<number, string>> = {
  40164: "the account's IP allow-list (mp.weixin.qq.com: 设置与开发 → 基本配置 → IP白名单)",
  61004: "the open platform's IP allow-list (open.weixin.qq.com: 第三方平台 → 开发资料 → 白名单IP地址)",
};

/** How much of an errmsg is searched for the address: WeChat's own are under 200 characters. */
const SEARCHED_CHARS = 512;
/** The longest text form of an address (an IPv6 with an IPv4 tail). */
const LONGEST_ADDRESS = 45;
const IPV4_MAPPED = '::ffff:';

/** 0-9, a-f, A-F, '.' and ':': the characters of an IPv4 or IPv6 address. */
function isAddressChar(code: number): boolean {
  return (
    (code >= 48 && code <= 58) || // 0-9 and ':'
    code === 46 || // '.'
    (code >= 65 && code <= 70) || // A-F
    (code >= 97 && code <= 102) // a-f
  );
}

/** A run of address characters without the lone ':' that text around it leaves (`requestIP:1.2.3.4`, `1.2.3.4:`). */
function withoutStrayColons(run: string): string {
  let text = run;
  if (text.startsWith(':') && !text.startsWith('::')) text = text.slice(1);
  if (text.endsWith(':') && !text.endsWith('::')) text = text.slice(0, -1);
  return text;
}

/**
 * The first IP address in WeChat's errmsg ("invalid ip 1.2.3.4 ipv6 ::ffff:1.2.3.4, not
 * in whitelist rid: …"), or undefined. One pass over the first 512 characters, no
 * regular expression: each run of address characters is tried once with `isIP`, so the
 * cost is linear whatever the text. An IPv4-mapped IPv6 address is given as the IPv4.
 */
function ipInErrmsg(errmsg: string): string | undefined {
  const text = errmsg.slice(0, SEARCHED_CHARS);
  let start = 0;
  for (let index = 0; index <= text.length; index++) {
    if (index < text.length && isAddressChar(text.charCodeAt(index))) continue;
    if (index - start <= LONGEST_ADDRESS + 2) {
      const candidate = withoutStrayColons(text.slice(start, index));
      if (isIP(candidate) !== 0) {
        const tail = candidate.toLowerCase().startsWith(IPV4_MAPPED) ? candidate.slice(IPV4_MAPPED.length) : '';
        return isIP(tail) === 4 ? tail : candidate;
      }
    }
    start = index + 1;
  }
  return undefined;
}

/**
 * One line saying which IP to add to which allow-list, for an errcode that means the
 * calling IP is not allowed (40164, 61004); undefined for any other errcode.
 */
export function allowListAdvice(errcode: number, errmsg: string): string | undefined {
  const list = ALLOW_LISTS[errcode];
  if (list === undefined) return undefined;
  const ip = ipInErrmsg(errmsg);
  return ip === undefined
    ? `this server's IP is not in ${list}: add the IP this server calls WeChat from (WeChat's errmsg did not name it)`
    : `this server's IP ${ip} is not in ${list}: add ${ip}`;
}
