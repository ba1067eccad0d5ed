import { describe, expect, it } from 'vitest';
import { connectClient, createBroker, openClient } from './testing/broker-fixture';

describe('InstanceBroker', () => {
  it('closes a socket that never sends CONNECT after connectTimeoutMs', async () => {
    const broker = createBroker({ connectTimeoutMs: 20 });
    const client = openClient(broker, 4);
    await client.closed;
    expect(client.isClosed).toBe(true);
    await broker.close();
  });

  it('counts connected clients, not sockets awaiting CONNECT', async () => {
    const broker = createBroker();
    openClient(broker, 4);
    const a = await connectClient(broker, 4, { clientId: 'a' });
    await connectClient(broker, 5, { clientId: 'b' });
    expect(broker.connectedClients).toBe(2);
    a.end();
    await a.closed;
    await a.nothingReceived();
    expect(broker.connectedClients).toBe(1);
    await broker.close();
  });

  it('usage tells the sessions, their queued and in-flight messages, retained messages and subscriptions it holds, and lets go of an ended session', async () => {
    const broker = createBroker();
    const offline = await connectClient(broker, 5, { clientId: 'offline', clean: false, properties: { sessionExpiryInterval: 3600 } });
    await offline.subscribe({ topic: 'q/#', qos: 1 });
    offline.end();
    await offline.closed;
    const online = await connectClient(broker, 5, { clientId: 'online', properties: { receiveMaximum: 1 } });
    await online.subscribe({ topic: 'q/#', qos: 1 });
    const publisher = await connectClient(broker, 4, { clientId: 'pub' });
    publisher.publish('q/1', 'twelve bytes', { qos: 0, retain: true });
    publisher.publish('q/2', '1234567', { qos: 1 });
    publisher.publish('q/3', '7654321', { qos: 1 });
    await publisher.expect('puback');
    await publisher.expect('puback');
    expect((await online.expect('publish')).topic).toBe('q/1');
    expect((await online.expect('publish')).topic).toBe('q/2');
    expect(broker.usage).toEqual({
      connections: 2,
      sessions: 3,
      // offline: all three messages (3 + 12, 3 + 7, 3 + 7 bytes); online: q/3 waits behind its receive maximum of 1.
      queuedMessages: 4,
      queuedBytes: 15 + 10 + 10 + 10,
      inflightMessages: 1,
      retainedMessages: 1,
      retainedBytes: 15,
      subscriptions: 2,
    });
    online.end();
    await online.closed;
    await publisher.nothingReceived();
    expect(broker.usage).toMatchObject({ connections: 1, sessions: 2, queuedMessages: 3, queuedBytes: 35, inflightMessages: 0, subscriptions: 1 });
    await broker.close();
  });

  it('disconnectWhere closes matching clients (5.0 with the given reason code) and returns how many', async () => {
    const broker = createBroker();
    const alice5 = await connectClient(broker, 5, { clientId: 'a5', username: 'alice' });
    const alice4 = await connectClient(broker, 4, { clientId: 'a4', username: 'alice' });
    const bob = await connectClient(broker, 5, { clientId: 'b', username: 'bob' });
    const count = broker.disconnectWhere((client) => client.username === 'alice', 0x87);
    expect(count).toBe(2);
    expect((await alice5.expect('disconnect')).reasonCode).toBe(0x87);
    expect(await alice4.drainUntilClosed()).toEqual([]);
    expect(bob.isClosed).toBe(false);
    expect(broker.connectedClients).toBe(1);
    await broker.close();
  });

  it('disconnectWhere sees client id, certificate serial, protocol version and remote address', async () => {
    const broker = createBroker();
    const certificate = { commonName: 'd', subject: 'CN=d', serialNumber: 'BEEF', fingerprint256: 'F' };
    const client = openClient(broker, 5, { remoteAddress: '198.51.100.1', transport: 'tls', tls: { mode: 'mTLS', peerCertificate: { verified: true, certificate } } });
    await client.connect({ clientId: 'dev-1' });
    const seen: unknown[] = [];
    broker.disconnectWhere((info) => {
      seen.push(info);
      return false;
    }, 0x87);
    expect(seen).toEqual([{ clientId: 'dev-1', username: undefined, certificateSerial: 'BEEF', superuser: false, protocolVersion: 5, remoteAddress: '198.51.100.1' }]);
    await broker.close();
  });

  it('close() sends 5.0 clients DISCONNECT 0x8B, closes every socket and refuses new ones', async () => {
    const broker = createBroker();
    const v5 = await connectClient(broker, 5, { clientId: 'v5' });
    const v4 = await connectClient(broker, 4, { clientId: 'v4' });
    const waiting = openClient(broker, 4);
    await broker.close();
    expect((await v5.expect('disconnect')).reasonCode).toBe(0x8b);
    await Promise.all([v5.closed, v4.closed, waiting.closed]);
    expect(broker.connectedClients).toBe(0);
    const late = openClient(broker, 4);
    await late.closed;
    expect(late.isClosed).toBe(true);
  });
});
