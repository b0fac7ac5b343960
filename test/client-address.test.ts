import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/core/config.js';
import { ConfigError } from '../src/core/errors.js';
import { clientAddress, trustedProxies } from '../src/http/client-address.js';

const proxies = (value: string) => trustedProxies(loadConfig({ WECHAT_TOKEN: 't', TRUST_PROXY: value }).trustProxy);
const request = (remoteAddress: string, forwardedFor?: string) => ({
  socket: { remoteAddress },
  headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
});

describe('the client address (TRUST_PROXY)', () => {
  it('without TRUST_PROXY the connection is the client, whatever X-Forwarded-For says', () => {
    assert.equal(clientAddress(request('127.0.0.1', '203.0.113.9') as never, proxies('')), '127.0.0.1');
  });

  it('from a trusted proxy: the last address it was not told by another trusted proxy', () => {
    const trusted = proxies('127.0.0.1, 10.0.0.0/8');
    assert.equal(clientAddress(request('::ffff:127.0.0.1', '203.0.113.9') as never, trusted), '203.0.113.9');
    // A client's own X-Forwarded-For comes first; the proxies append what they saw.
    assert.equal(clientAddress(request('127.0.0.1', '1.1.1.1, 203.0.113.9, 10.1.2.3') as never, trusted), '203.0.113.9');
    // An untrusted connection's header is ignored.
    assert.equal(clientAddress(request('198.51.100.1', '203.0.113.9') as never, trusted), '198.51.100.1');
    // A hop that is no address was not written by a proxy: the connection stands.
    assert.equal(clientAddress(request('127.0.0.1', '203.0.113.9, not-an-address') as never, trusted), '127.0.0.1');
    // Only trusted hops: the connection stands.
    assert.equal(clientAddress(request('127.0.0.1', '10.0.0.1') as never, trusted), '127.0.0.1');
  });

  it('an entry that is not an address or CIDR is a configuration error naming it', () => {
    for (const bad of ['localhost', '10.0.0.0/33', '::1/129', '1.2.3']) {
      assert.throws(
        () => proxies(bad),
        (error: unknown) => error instanceof ConfigError && error.message.includes(`TRUST_PROXY has "${bad}"`),
        bad,
      );
    }
    assert.doesNotThrow(() => proxies('::1, fd00::/8, 192.168.0.1/32'));
  });
});
