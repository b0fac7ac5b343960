import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SERVER_LIMITS } from '../../src/http/server-limits.js';
import { startApp, type RunningApp } from '../helpers/start-app.js';

function open(baseUrl: string): Promise<Socket> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Resolves with what the server sent before it closed the socket, or null if it kept it open. */
function closedWithin(socket: Socket, ms: number): Promise<string | null> {
  return new Promise((resolve) => {
    let received = '';
    const timer = setTimeout(() => resolve(null), ms);
    socket.on('data', (chunk) => (received += chunk.toString('latin1')));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
  });
}

describe('slow clients and connection floods', () => {
  let app: RunningApp;
  before(async () => {
    app = await startApp();
  });
  after(() => app.close());

  it('a client that never finishes its headers is dropped after headersTimeout', async () => {
    const socket = await open(app.url);
    socket.write('POST /wechat HTTP/1.1\r\nHost: 127.0.0.1\r\n');
    const sent = await closedWithin(socket, SERVER_LIMITS.headersTimeoutMs + 3000);
    socket.destroy();
    assert.notEqual(sent, null, 'the connection was still open');
    assert.match(sent ?? '', /^(HTTP\/1\.1 408|$)/);
  });

  it('connections past maxConnections are closed as they arrive', async () => {
    const sockets: Socket[] = [];
    try {
      for (let i = 0; i < SERVER_LIMITS.maxConnections; i++) sockets.push(await open(app.url));
      const extra = await open(app.url);
      sockets.push(extra);
      assert.notEqual(await closedWithin(extra, 2000), null, 'the extra connection was kept');
    } finally {
      for (const socket of sockets) socket.destroy();
    }
  });
});
