import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';
import type { AddressRange } from '../core/config.js';

type RequestLike = Pick<IncomingMessage, 'socket' | 'headers'>;

/** Proxies in front of one another, at most: a longer chain is read only as far. */
const MAX_HOPS = 10;

/** The proxies of TRUST_PROXY, for `clientAddress`. */
export function trustedProxies(ranges: readonly AddressRange[]): BlockList {
  const list = new BlockList();
  for (const { network, prefix, family } of ranges) list.addSubnet(network, prefix, family);
  return list;
}

/** `::ffff:10.0.0.1` is `10.0.0.1`: a dual-stack socket reports IPv4 clients so. */
function plain(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

function isTrusted(address: string, trusted: BlockList): boolean {
  return trusted.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}

/**
 * The client's address: the connection's own, unless it comes from a trusted proxy; then
 * the last address in `X-Forwarded-For` that is not itself a trusted proxy (the one the
 * first trusted proxy saw). Without TRUST_PROXY every client behind a proxy is the proxy:
 * the header is anyone's to write.
 */
export function clientAddress(req: RequestLike, trusted: BlockList): string {
  const socket = plain(req.socket.remoteAddress ?? '');
  if (socket === '' || !isTrusted(socket, trusted)) return socket;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',');
  // Only the proxies' own hops count (the nearest ones); what a client wrote before them is anyone's.
  for (let i = hops.length - 1; i >= Math.max(0, hops.length - MAX_HOPS); i -= 1) {
    const hop = plain(hops[i]!.trim());
    if (hop === '') continue;
    // A hop that is not an address was not written by a proxy: the last trusted one stands.
    if (isIP(hop) === 0) return socket;
    if (!isTrusted(hop, trusted)) return hop;
  }
  return socket;
}

/** Headers a reverse proxy adds: a request that carries one came from elsewhere through it. */
const FORWARDING_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

/** Whether the request carries a reverse proxy's forwarding header. */
export function isForwarded(req: Pick<RequestLike, 'headers'>): boolean {
  return FORWARDING_HEADERS.some((name) => req.headers[name] !== undefined);
}

/** Whether a forwarding proxy's header came from a connection TRUST_PROXY does not name. */
export function throughUntrustedProxy(req: RequestLike, trusted: BlockList): boolean {
  return isForwarded(req) && !isTrusted(plain(req.socket.remoteAddress ?? ''), trusted);
}

/** True for a connection from this machine, judged by the socket, never by headers. */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  return address === '::1' || /^(::ffff:)?127\./.test(address);
}

/** `localhost`, `127.x.x.x` or `[::1]`, with or without a port: a Host header naming this machine. */
function namesThisMachine(host: string | undefined): boolean {
  if (host === undefined) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':', 1)[0]!;
  return name === 'localhost' || name === '[::1]' || (isIP(name) === 4 && name.startsWith('127.'));
}

/**
 * True for a client on this machine that came straight to the server. Behind a reverse
 * proxy on the same host every connection is from loopback; the proxy's forwarding
 * header tells the internet's clients apart, so a request with one is never local. The
 * Host must name this machine too: a web page whose host name an attacker pointed at
 * 127.0.0.1 (DNS rebinding) reaches the server from loopback under its own name; and a
 * browser's request made for another site says so (`Sec-Fetch-Site: cross-site`).
 */
export function isLocalClient(req: Pick<IncomingMessage, 'socket' | 'headers'>): boolean {
  return (
    isLoopback(req.socket.remoteAddress) &&
    !isForwarded(req) &&
    namesThisMachine(req.headers.host) &&
    req.headers['sec-fetch-site'] !== 'cross-site'
  );
}
