import { CONNACK_311, CONNACK_5, type ConnectCredentials } from '@mqc/auth';
import { generate } from 'mqtt-packet';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { allowAll, connectClient, createBroker, denyWith, openClient } from '../testing/broker-fixture';

/** A CONNECT with an empty client id and clean session 0, which mqtt-packet refuses to generate. */
function emptyIdPersistentConnect(protocolVersion: 4 | 5): Buffer {
  const bytes = generate({ cmd: 'connect', protocolId: 'MQTT', protocolVersion, clientId: '', clean: true, keepalive: 0 }, { protocolVersion });
  bytes[9] &= ~0x02; // connect flags: clear clean session
  return bytes;
}

describe('CONNECT / CONNACK', () => {
  it('accepts a 3.1.1 client with return code 0 and session present 0', async () => {
    const broker = createBroker();
    const client = openClient(broker, 4);
    const connack = await client.connect({ clientId: 'a' });
    expect(connack).toMatchObject({ returnCode: 0, sessionPresent: false });
    expect(broker.connectedClients).toBe(1);
    await broker.close();
  });

  it('accepts an MQTT 3.1 (MQIsdp) client', async () => {
    const broker = createBroker();
    const connack = await openClient(broker, 3).connect({ clientId: 'old' });
    expect(connack.returnCode).toBe(0);
    await broker.close();
  });

  it('advertises receive maximum, maximum packet size and topic alias maximum to 5.0 clients', async () => {
    const broker = createBroker({ receiveMaximum: 10, maxPacketSize: 5000, topicAliasMaximum: 7 });
    const connack = await openClient(broker, 5).connect({ clientId: 'a' });
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties).toMatchObject({ receiveMaximum: 10, maximumPacketSize: 5000, topicAliasMaximum: 7 });
    await broker.close();
  });

  it('refuses an unsupported protocol version with return code 1 and closes [MQTT-3.1.2-2]', async () => {
    const broker = createBroker();
    const client = openClient(broker, 4);
    // CONNECT with protocol level 6.
    client.sendRaw(Buffer.from([0x10, 0x0d, 0x00, 0x04, 0x4d, 0x51, 0x54, 0x54, 0x06, 0x02, 0x00, 0x3c, 0x00, 0x01, 0x61]));
    const connack = await client.expect('connack');
    expect(connack.returnCode).toBe(CONNACK_311.unacceptableProtocolVersion);
    await client.closed;
    await broker.close();
  });

  it('refuses protocol name MQIsdp with level 4 as unacceptable protocol version', async () => {
    const broker = createBroker();
    const client = openClient(broker, 4);
    const connack = await client.connect({ protocolId: 'MQIsdp', protocolVersion: 4 });
    expect(connack.returnCode).toBe(CONNACK_311.unacceptableProtocolVersion);
    await client.closed;
    await broker.close();
  });

  it('3.1.1: rejects an empty client id without clean session (identifier rejected) [MQTT-3.1.3-8]', async () => {
    const broker = createBroker();
    const client = openClient(broker, 4);
    client.sendRaw(emptyIdPersistentConnect(4));
    const connack = await client.expect('connack');
    expect(connack).toMatchObject({ returnCode: CONNACK_311.identifierRejected, sessionPresent: false });
    await client.closed;
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  it('3.1.1: accepts an empty client id with clean session', async () => {
    const broker = createBroker();
    const connack = await openClient(broker, 4).connect({ clientId: '', clean: true });
    expect(connack.returnCode).toBe(0);
    await broker.close();
  });

  it('MQTT 3.1: rejects a client id longer than 23 characters', async () => {
    const broker = createBroker();
    const connack = await openClient(broker, 3).connect({ clientId: 'x'.repeat(24) });
    expect(connack.returnCode).toBe(CONNACK_311.identifierRejected);
    await broker.close();
  });

  it('5.0: assigns a client identifier to an empty client id [MQTT-3.2.2-16]', async () => {
    const broker = createBroker();
    const client = openClient(broker, 5);
    client.sendRaw(emptyIdPersistentConnect(5));
    const connack = await client.expect('connack');
    expect(connack.reasonCode).toBe(0);
    expect(connack.properties?.assignedClientIdentifier).toMatch(/^auto-/);
    await broker.close();
  });

  it('5.0: a receive maximum of 0 is a protocol error (CONNACK 0x82)', async () => {
    const broker = createBroker();
    const connack = await openClient(broker, 5).connect({ properties: { receiveMaximum: 0 } });
    expect(connack.reasonCode).toBe(CONNACK_5.protocolError);
    await broker.close();
  });

  it('passes the credentials to authenticate: raw password buffer, peer host, certificate, auth method', async () => {
    const seen: ConnectCredentials[] = [];
    const broker = createBroker({}, (credentials) => {
      seen.push(credentials);
      return allowAll();
    });
    const certificate = { commonName: 'dev', subject: 'CN=dev', serialNumber: '0A', fingerprint256: 'AB' };
    const client = openClient(broker, 5, { remoteAddress: '192.0.2.7', transport: 'tls', tls: { mode: 'mTLS', peerCertificate: { verified: true, certificate } } });
    await client.connect({ clientId: 'c1', username: 'u', password: Buffer.from([0xff, 0x00]), properties: { authenticationMethod: 'm', authenticationData: Buffer.from('d') } });
    expect(seen[0]).toMatchObject({ instanceId: 'instance-1', clientId: 'c1', username: 'u', peerHost: '192.0.2.7', protocolVersion: 5, certificate, authenticationMethod: 'm' });
    expect(seen[0].password).toEqual(Buffer.from([0xff, 0x00]));
    expect(seen[0].authenticationData).toEqual(Buffer.from('d'));
    await broker.close();
  });

  it('sends the deny decision code: 3.1.1 return code 4', async () => {
    const broker = createBroker({}, denyWith(CONNACK_311.badUsernameOrPassword));
    const client = openClient(broker, 4);
    const connack = await client.connect({ username: 'u', password: Buffer.from('bad') });
    expect(connack.returnCode).toBe(4);
    await client.closed;
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  it('sends the deny decision code: 5.0 reason code 0x87 with a reason string', async () => {
    const broker = createBroker({}, denyWith(CONNACK_5.notAuthorized));
    const connack = await openClient(broker, 5).connect();
    expect(connack.reasonCode).toBe(0x87);
    expect(connack.properties?.reasonString).toBe('denied by test');
    await broker.close();
  });

  it('refuses with server unavailable when authenticate throws', async () => {
    const broker = createBroker({}, () => Promise.reject(new Error('db down')));
    const connack = await openClient(broker, 5).connect();
    expect(connack.reasonCode).toBe(CONNACK_5.serverUnavailable);
    await broker.close();
  });

  it('refuses beyond maxConnections: 5.0 quota exceeded 0x97, 3.1.1 server unavailable 3', async () => {
    const broker = createBroker({ maxConnections: 1 });
    await connectClient(broker, 4, { clientId: 'first' });
    expect((await openClient(broker, 5).connect({ clientId: 'second' })).reasonCode).toBe(0x97);
    expect((await openClient(broker, 4).connect({ clientId: 'third' })).returnCode).toBe(3);
    expect(broker.connectedClients).toBe(1);
    await broker.close();
  });

  it('does not process packets sent after CONNECT until authentication is done [MQTT-3.1.4-5]', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const broker = createBroker({}, async () => {
      await gate;
      return { kind: 'allow', superuser: false };
    });
    const client = openClient(broker, 4);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'slow', clean: true, keepalive: 0 });
    client.send({ cmd: 'pingreq' });
    expect(await client.nothingReceived()).toBe(true);
    release();
    expect((await client.next()).cmd).toBe('connack');
    expect((await client.next()).cmd).toBe('pingresp');
    await broker.close();
  });

  it('drops a client that disconnects while authentication runs, without registering it', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const broker = createBroker({}, async () => {
      await gate;
      return { kind: 'allow', superuser: false };
    });
    const client = openClient(broker, 4);
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'gone', clean: true, keepalive: 0 });
    await client.nothingReceived();
    client.stream.destroy();
    release();
    await gate;
    await client.nothingReceived();
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  it('a second CONNECT is a protocol violation: 5.0 DISCONNECT 0x82 and close [MQTT-3.1.0-2]', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'twice' });
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'twice', clean: true, keepalive: 0 });
    const disconnect = await client.expect('disconnect');
    expect(disconnect.reasonCode).toBe(0x82);
    await client.closed;
    await broker.close();
  });

  it('closes a connection whose first packet is not CONNECT [MQTT-3.1.0-1]', async () => {
    const broker = createBroker();
    const client = openClient(broker, 4);
    client.send({ cmd: 'pingreq' });
    expect(await client.drainUntilClosed()).toEqual([]);
    await broker.close();
  });

  it('5.0: protocol name MQIsdp with level 5 gets 0x84 unsupported protocol version', async () => {
    const broker = createBroker();
    expect((await openClient(broker, 5).connect({ protocolId: 'MQIsdp', protocolVersion: 5 })).reasonCode).toBe(0x84);
    await broker.close();
  });

  it('5.0: a client id containing U+0000 gets 0x85 client identifier not valid; 3.1.1 gets 2', async () => {
    const broker = createBroker();
    expect((await openClient(broker, 5).connect({ clientId: 'a\u0000b' })).reasonCode).toBe(0x85);
    expect((await openClient(broker, 4).connect({ clientId: 'a\u0000b' })).returnCode).toBe(2);
    await broker.close();
  });

  it('5.0: a will topic with a wildcard gets 0x90 topic name invalid; 3.1.1 is closed', async () => {
    const broker = createBroker();
    const will = { topic: 'will/+', payload: Buffer.from('x'), qos: 0 as const, retain: false };
    expect((await openClient(broker, 5).connect({ will })).reasonCode).toBe(0x90);
    const v4 = openClient(broker, 4);
    v4.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 4, clientId: 'w', clean: true, keepalive: 0, will });
    expect(await v4.drainUntilClosed()).toEqual([]);
    await broker.close();
  });

  it('5.0: authentication data without a method is a protocol error (0x82)', async () => {
    const broker = createBroker();
    expect((await openClient(broker, 5).connect({ properties: { authenticationData: Buffer.from('x') } })).reasonCode).toBe(0x82);
    await broker.close();
  });

  it('5.0: sends a server keep alive when the client asks for none or more than keepAliveMaxSeconds', async () => {
    const broker = createBroker({ keepAliveMaxSeconds: 30 });
    expect((await openClient(broker, 5).connect({ clientId: 'a', keepalive: 0 })).properties?.serverKeepAlive).toBe(30);
    expect((await openClient(broker, 5).connect({ clientId: 'b', keepalive: 60 })).properties?.serverKeepAlive).toBe(30);
    expect((await openClient(broker, 5).connect({ clientId: 'c', keepalive: 20 })).properties?.serverKeepAlive).toBeUndefined();
    await broker.close();
  });
});

describe('CONNECT: credentials that expire', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('disconnects the client when the allow decision expires (5.0: DISCONNECT 0x87, as EMQX does)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const expiresAt = new Date(Date.now() + 60_000);
    const broker = createBroker({}, () => Promise.resolve({ kind: 'allow', superuser: false, expiresAt }));
    const v5 = await connectClient(broker, 5, { clientId: 'jwt5' });
    const v4 = await connectClient(broker, 4, { clientId: 'jwt4' });
    vi.advanceTimersByTime(59_000);
    expect(await v5.nothingReceived()).toBe(true);
    vi.advanceTimersByTime(1_000);
    expect((await v5.expect('disconnect')).reasonCode).toBe(0x87);
    expect(await v4.drainUntilClosed()).toEqual([]);
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  it('refuses a credential that has already expired (not authorized)', async () => {
    const broker = createBroker({}, () => Promise.resolve({ kind: 'allow', superuser: false, expiresAt: new Date(Date.now() - 1) }));
    expect((await openClient(broker, 5).connect()).reasonCode).toBe(0x87);
    expect((await openClient(broker, 4).connect()).returnCode).toBe(5);
    await broker.close();
  });
});
