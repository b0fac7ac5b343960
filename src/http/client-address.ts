import type { IncomingMessage } from 'node:http';
import { BlockList } from 'node:net';
import type { AddressRange } from '../core/config.js';

type RequestLike = Pick<IncomingMessage, 'socket' | 'headers'>;

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
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    const hop = plain(hops[i]!.trim());
    if (hop === '') continue;
    if (!isTrusted(hop, trusted)) return hop;
  }
  return socket;
}
