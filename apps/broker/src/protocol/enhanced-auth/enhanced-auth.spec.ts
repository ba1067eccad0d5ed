import { beforeAll, describe, expect, it } from 'vitest';
import { deriveScramCredential, runChain, scramConfigSchema, type Authenticator, type ConnectCredentials } from '@mqc/auth';
import { ScramAuthenticator, type ScramUserRecord } from '@mqc/auth-drivers';
import { TestScramClient } from '@mqc/testing';
import { connectClient, createBroker, openClient } from '../testing/broker-fixture';
import type { PacketClient } from '../testing/packet-client';

const users = new Map<string, ScramUserRecord>();
const scram = new ScramAuthenticator('scram', scramConfigSchema.parse({}), { find: async (_instance, userId) => users.get(userId) });
/** A password authenticator after SCRAM in the chain, for clients that do not use enhanced authentication. */
const passwords: Authenticator = {
  id: 'passwords',
  type: 'built-in-database',
  authenticate: async (c) => (c.username === 'legacy' ? (c.password?.toString() === 'pw' ? { kind: 'allow' } : { kind: 'deny', reason: 'bad-credentials' }) : { kind: 'ignore' }),
};
const chain = (credentials: ConnectCredentials) => runChain({ authenticators: [scram, passwords], policy: { anonymous: 'deny', onBackendFailure: 'deny' } }, credentials);

/** CONNECT with SCRAM, answer the server-first, and return the CONNACK. */
async function scramConnect(client: PacketClient, scramClient: TestScramClient, options: { clientId?: string; username?: string } = {}) {
  client.send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 5,
    clientId: options.clientId ?? 'c1',
    username: options.username,
    clean: true,
    keepalive: 0,
    properties: { authenticationMethod: scramClient.mechanism, authenticationData: scramClient.clientFirst() },
  });
  const challenge = await client.expect('auth');
  expect(challenge).toMatchObject({ reasonCode: 0x18, properties: { authenticationMethod: scramClient.mechanism } });
  client.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: scramClient.mechanism, authenticationData: scramClient.clientFinal(challenge.properties!.authenticationData!) } });
  return client.expect('connack');
}

describe('enhanced authentication (SCRAM over AUTH)', () => {
  beforeAll(async () => {
    users.set('alice', { credential: await deriveScramCredential('pencil', 'sha256', 4096), isSuperuser: false });
  });

  it('CONNECT → AUTH 0x18 (server-first) → AUTH 0x18 (client-final) → CONNACK 0 with the server signature', async () => {
    const broker = createBroker({}, chain);
    const client = openClient(broker, 5);
    const scramClient = new TestScramClient('sha256', 'alice', 'pencil');
    const connack = await scramConnect(client, scramClient);
    expect(connack).toMatchObject({ reasonCode: 0, properties: { authenticationMethod: 'SCRAM-SHA-256' } });
    expect(scramClient.verifyServerFinal(connack.properties?.authenticationData)).toBe(true);
    // The session works, and its identity is the SCRAM user.
    expect((await client.subscribe('t/#')).granted).toEqual([0]);
    const seen: (string | undefined)[] = [];
    broker.disconnectWhere((c) => (seen.push(c.username), false), 0);
    expect(seen).toEqual(['alice']);
    await broker.close();
  });

  it('refuses a wrong password with CONNACK 0x86 after the exchange', async () => {
    const broker = createBroker({}, chain);
    const connack = await scramConnect(openClient(broker, 5), new TestScramClient('sha256', 'alice', 'not-pencil'));
    expect(connack.reasonCode).toBe(0x86);
    await broker.close();
  });

  it('refuses an authentication method no authenticator supports with CONNACK 0x8C', async () => {
    const broker = createBroker({}, chain);
    const client = openClient(broker, 5);
    const connack = await client.connect({ properties: { authenticationMethod: 'SCRAM-SHA-1', authenticationData: Buffer.from('n,,n=alice,r=abc') } });
    expect(connack.reasonCode).toBe(0x8c);
    await broker.close();
  });

  it('lets MQTT 3.1.1 clients (and 5.0 clients without a method) fall through to the password authenticator', async () => {
    const broker = createBroker({}, chain);
    expect((await openClient(broker, 4).connect({ username: 'legacy', password: Buffer.from('pw') })).returnCode).toBe(0);
    expect((await openClient(broker, 5).connect({ clientId: 'c5', username: 'legacy', password: Buffer.from('pw') })).reasonCode).toBe(0);
    expect((await openClient(broker, 4).connect({ clientId: 'c6', username: 'legacy', password: Buffer.from('no') })).returnCode).toBe(4);
    await broker.close();
  });

  it('treats anything but AUTH or DISCONNECT before CONNACK as a protocol error (CONNACK 0x82), as it does AUTH with another method', async () => {
    const broker = createBroker({}, chain);
    const first = openClient(broker, 5);
    const scramClient = new TestScramClient('sha256', 'alice', 'pencil');
    first.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'x1', clean: true, keepalive: 0, properties: { authenticationMethod: scramClient.mechanism, authenticationData: scramClient.clientFirst() } });
    await first.expect('auth');
    first.send({ cmd: 'pingreq' });
    expect((await first.expect('connack')).reasonCode).toBe(0x82);
    await first.closed;

    const second = openClient(broker, 5);
    const other = new TestScramClient('sha256', 'alice', 'pencil');
    second.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'x2', clean: true, keepalive: 0, properties: { authenticationMethod: other.mechanism, authenticationData: other.clientFirst() } });
    const challenge = await second.expect('auth');
    second.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-512', authenticationData: other.clientFinal(challenge.properties!.authenticationData!) } });
    expect((await second.expect('connack')).reasonCode).toBe(0x82);
    await broker.close();
  });

  it('closes quietly when the client gives up with DISCONNECT during the exchange', async () => {
    const broker = createBroker({}, chain);
    const client = openClient(broker, 5);
    const scramClient = new TestScramClient('sha256', 'alice', 'pencil');
    client.send({ cmd: 'connect', protocolId: 'MQTT', protocolVersion: 5, clientId: 'quitter', clean: true, keepalive: 0, properties: { authenticationMethod: scramClient.mechanism, authenticationData: scramClient.clientFirst() } });
    await client.expect('auth');
    client.send({ cmd: 'disconnect', reasonCode: 0 });
    expect(await client.drainUntilClosed()).toEqual([]);
    expect(broker.connectedClients).toBe(0);
    await broker.close();
  });

  describe('re-authentication in an open session', () => {
    it('AUTH 0x19 → AUTH 0x18 → AUTH 0x18 → AUTH 0x00 with the server signature; traffic flows meanwhile', async () => {
      const broker = createBroker({}, chain);
      const client = openClient(broker, 5);
      expect((await scramConnect(client, new TestScramClient('sha256', 'alice', 'pencil'))).reasonCode).toBe(0);
      const again = new TestScramClient('sha256', 'alice', 'pencil');
      client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: again.mechanism, authenticationData: again.clientFirst() } });
      const challenge = await client.expect('auth');
      expect(challenge.reasonCode).toBe(0x18);
      client.send({ cmd: 'pingreq' });
      expect((await client.expect('pingresp')).cmd).toBe('pingresp');
      client.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: again.mechanism, authenticationData: again.clientFinal(challenge.properties!.authenticationData!) } });
      const done = await client.expect('auth');
      expect(done).toMatchObject({ reasonCode: 0x00, properties: { authenticationMethod: 'SCRAM-SHA-256' } });
      expect(again.verifyServerFinal(done.properties?.authenticationData)).toBe(true);
      expect(broker.connectedClients).toBe(1);
      await broker.close();
    });

    it('a re-authentication applies its superuser flag to authorization from the next check (issue 13)', async () => {
      users.set('root', { credential: await deriveScramCredential('pencil', 'sha256', 4096), isSuperuser: true });
      const broker = createBroker({}, chain);
      const client = openClient(broker, 5);
      expect((await scramConnect(client, new TestScramClient('sha256', 'root', 'pencil'), { clientId: 'root-1' })).reasonCode).toBe(0);
      expect((await client.subscribe('$SYS/a')).granted).toEqual([0]);
      users.set('root', { ...users.get('root')!, isSuperuser: false });
      const again = new TestScramClient('sha256', 'root', 'pencil');
      client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: again.mechanism, authenticationData: again.clientFirst() } });
      const challenge = await client.expect('auth');
      client.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: again.mechanism, authenticationData: again.clientFinal(challenge.properties!.authenticationData!) } });
      expect((await client.expect('auth')).reasonCode).toBe(0x00);
      // No longer a superuser: $SYS is closed to it (noMatch allow never opens $SYS).
      expect((await client.subscribe('$SYS/b')).granted).toEqual([0x87]);
      await broker.close();
    });

    it('a failed re-authentication ends the session with DISCONNECT 0x87', async () => {
      const broker = createBroker({}, chain);
      const client = openClient(broker, 5);
      await scramConnect(client, new TestScramClient('sha256', 'alice', 'pencil'));
      const wrong = new TestScramClient('sha256', 'alice', 'guess');
      client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: wrong.mechanism, authenticationData: wrong.clientFirst() } });
      const challenge = await client.expect('auth');
      client.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: wrong.mechanism, authenticationData: wrong.clientFinal(challenge.properties!.authenticationData!) } });
      expect((await client.expect('disconnect')).reasonCode).toBe(0x87);
      await broker.close();
    });

    it('may not switch users: a re-authentication as someone else is refused', async () => {
      users.set('bob', { credential: await deriveScramCredential('builder', 'sha256', 4096), isSuperuser: true });
      const broker = createBroker({}, chain);
      const client = openClient(broker, 5);
      await scramConnect(client, new TestScramClient('sha256', 'alice', 'pencil'));
      const bob = new TestScramClient('sha256', 'bob', 'builder');
      client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: bob.mechanism, authenticationData: bob.clientFirst() } });
      expect((await client.expect('disconnect')).reasonCode).toBe(0x87);
      await broker.close();
    });

    it('AUTH with another method, or AUTH 0x18 out of turn, is a protocol error (DISCONNECT 0x82)', async () => {
      const broker = createBroker({}, chain);
      const first = openClient(broker, 5);
      await scramConnect(first, new TestScramClient('sha256', 'alice', 'pencil'), { clientId: 'p1' });
      first.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-512' } });
      expect((await first.expect('disconnect')).reasonCode).toBe(0x82);

      const second = openClient(broker, 5);
      await scramConnect(second, new TestScramClient('sha256', 'alice', 'pencil'), { clientId: 'p2' });
      second.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: 'SCRAM-SHA-256' } });
      expect((await second.expect('disconnect')).reasonCode).toBe(0x82);
      await broker.close();
    });
  });

  it('AUTH from a client that connected without an authentication method is a protocol error (DISCONNECT 0x82)', async () => {
    const broker = createBroker();
    const client = await connectClient(broker, 5, { clientId: 'c' });
    client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: 'SCRAM-SHA-1' } });
    expect((await client.expect('disconnect')).reasonCode).toBe(0x82);
    await broker.close();
  });
});
