import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createBroker } from '../protocol/testing/broker-fixture';
import { listen, type ListenSite } from './listener';
import { openTcpListener } from './tcp-listener';
import { openWsListener } from './ws-listener';

function squat(): Promise<{ server: Server; port: number }> {
  const server = createServer();
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port })));
}

function site(port: number, errors: Error[] = []): ListenSite {
  return { host: '127.0.0.1', port, onError: (error) => errors.push(error) };
}

describe('listeners meet what a node meets', () => {
  it.each([
    ['WebSocket', (port: number) => openWsListener(createBroker(), site(port), 1024)],
    ['TCP', (port: number) => openTcpListener(createBroker(), site(port))],
  ])('a %s listener on a port already taken rejects with EADDRINUSE, and nothing else is thrown', async (_name, open) => {
    const taken = await squat();
    await expect(open(taken.port)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    // An uncaught 'error' (ws re-emits the HTTP server's) would fail this file after the test.
    await new Promise((resolve) => setTimeout(resolve, 50));
    taken.server.close();
  });

  it("hands a listening server's later errors (an accept failing) to onError instead of the process", async () => {
    const server = createServer();
    const errors: Error[] = [];
    await listen(server, site(0, errors));
    const failure = Object.assign(new Error('accept EMFILE'), { code: 'EMFILE' });
    expect(() => server.emit('error', failure)).not.toThrow();
    expect(errors).toEqual([failure]);
    server.close();
  });
});
