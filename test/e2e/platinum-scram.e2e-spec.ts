import { connect as connectTcp } from 'node:net';
import { Client } from 'pg';
import { MqttClient } from 'mqtt';
import type { IAuthPacket, IConnackPacket } from 'mqtt-packet';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiClient, createTestDatabase, testConfig, TestScramClient, type TestDatabase } from '@mqc/testing';
import { PacketClient } from '../../apps/broker/src/protocol/testing/packet-client';
import { addAuthenticator, connackCode, freshSource, untilConnack } from '../support/auth';
import { newTenant, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

/** A packet-level MQTT 5 client over a real TCP connection, from a loopback source of its own. */
async function rawClient(url: string, source = freshSource()): Promise<PacketClient> {
  const { hostname, port } = new URL(url);
  const socket = connectTcp({ host: hostname, port: Number(port), localAddress: source });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return new PacketClient(socket, 5);
}

/** CONNECT with SCRAM, answer the server-first message, and return the CONNACK. */
async function scramConnect(client: PacketClient, scram: TestScramClient, clientId: string): Promise<IConnackPacket> {
  client.send({
    cmd: 'connect',
    protocolId: 'MQTT',
    protocolVersion: 5,
    clientId,
    clean: true,
    keepalive: 30,
    properties: { authenticationMethod: scram.mechanism, authenticationData: scram.clientFirst() },
  });
  const first = await client.next();
  if (first.cmd === 'connack') return first;
  if (first.cmd !== 'auth') throw new Error(`expected AUTH, got ${first.cmd}`);
  expect(first).toMatchObject({ reasonCode: 0x18, properties: { authenticationMethod: scram.mechanism } });
  client.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: scram.mechanism, authenticationData: scram.clientFinal(first.properties!.authenticationData!) } });
  return client.expect('connack');
}

describe('platinum: MQTT 5 enhanced authentication with SCRAM, through the console API and real sockets', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let instance: InstanceView;
  let url: string;
  const open: PacketClient[] = [];

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack);
    instance = await runningInstance(tenant, 'scram-plant', 'platinum');
    url = instance.endpoints!.mqtt;
    // A user whose password was set before the SCRAM authenticator existed: no SCRAM keys yet.
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'early', password: 'early-pw' })).status).toBe(201);
    await addAuthenticator(tenant, instance.id, 'scram', { algorithm: 'sha256', iterationCount: 4096 });
    await addAuthenticator(tenant, instance.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'alice', password: 'pencil' })).status).toBe(201);
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'root', password: 'r00t', isSuperuser: true })).status).toBe(201);
    await untilConnack(url, { protocolVersion: 4, username: 'alice', password: 'pencil' }, 0);
  });

  afterAll(async () => {
    for (const client of open) client.end();
    await stack?.close();
    await db?.drop();
  });

  it('keeps derived keys only: salt, iterations, StoredKey and ServerKey per user, never the password', async () => {
    const pg = new Client({ connectionString: db.url });
    await pg.connect();
    try {
      const rows = await pg.query<{ user_id: string; algorithm: string; iterations: number; salt: Buffer; stored_key: Buffer; server_key: Buffer }>(
        `SELECT u.user_id, c.algorithm, c.iterations, c.salt, c.stored_key, c.server_key
           FROM scram_credentials c JOIN built_in_users u ON u.id = c.built_in_user_id WHERE u.instance_id = $1 ORDER BY u.user_id`,
        [instance.id],
      );
      expect(rows.rows.map((r) => [r.user_id, r.algorithm, r.iterations, r.stored_key.length, r.server_key.length])).toEqual([
        ['alice', 'sha256', 4096, 32, 32],
        ['root', 'sha256', 4096, 32, 32],
      ]);
      expect(JSON.stringify(rows.rows)).not.toMatch(/pencil|r00t/);
      expect(rows.rows[0]!.salt.equals(rows.rows[1]!.salt)).toBe(false);
    } finally {
      await pg.end();
    }
  });

  it('runs the full exchange over TCP with a client written from RFC 5802: CONNACK 0 carries a valid server signature', async () => {
    const client = await rawClient(url);
    open.push(client);
    const scram = new TestScramClient('sha256', 'alice', 'pencil');
    const connack = await scramConnect(client, scram, 'scram-1');
    expect(connack).toMatchObject({ reasonCode: 0, properties: { authenticationMethod: 'SCRAM-SHA-256' } });
    expect(scram.verifyServerFinal(connack.properties?.authenticationData)).toBe(true);
    expect((await client.subscribe('plant/#')).granted).toEqual([0]);
  });

  it('works with mqtt.js driving the AUTH packets (a second client implementation)', async () => {
    const scram = new TestScramClient('sha256', 'root', 'r00t');
    const { hostname, port } = new URL(url);
    const client = new MqttClient(() => connectTcp({ host: hostname, port: Number(port), localAddress: freshSource() }), {
      protocolVersion: 5,
      clientId: 'mqttjs-scram',
      reconnectPeriod: 0,
      properties: { authenticationMethod: scram.mechanism, authenticationData: scram.clientFirst() },
    });
    client.handleAuth = (packet: IAuthPacket, callback) => {
      callback(undefined, { cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: scram.mechanism, authenticationData: scram.clientFinal(packet.properties!.authenticationData!) } });
    };
    const connack = await new Promise<IConnackPacket>((resolve, reject) => client.once('connect', resolve).once('error', reject));
    expect(connack.reasonCode).toBe(0);
    expect(scram.verifyServerFinal(connack.properties?.authenticationData)).toBe(true);
    await client.endAsync();
  });

  it('refuses a wrong password and an unknown user with CONNACK 0x86, after a complete-looking exchange', async () => {
    for (const scram of [new TestScramClient('sha256', 'alice', 'guess'), new TestScramClient('sha256', 'nobody', 'x')]) {
      const client = await rawClient(url);
      open.push(client);
      expect((await scramConnect(client, scram, `bad-${scram.username}`)).reasonCode).toBe(0x86);
    }
  });

  it('counts failed SCRAM exchanges in the failed-CONNECT throttle: a guessing source is soon refused with 0x9F', async () => {
    const source = freshSource();
    const codes: number[] = [];
    for (let attempt = 0; attempt < 30 && !codes.includes(0x9f); attempt++) {
      const client = await rawClient(url, source);
      open.push(client);
      codes.push((await scramConnect(client, new TestScramClient('sha256', 'alice', `guess-${attempt}`), `guess-${attempt}`)).reasonCode ?? -1);
    }
    expect(codes).toContain(0x9f);
    expect(new Set(codes)).toEqual(new Set([0x86, 0x9f]));
  });

  it('refuses a method the instance does not offer with CONNACK 0x8C', async () => {
    const client = await rawClient(url);
    open.push(client);
    expect((await scramConnect(client, new TestScramClient('sha512', 'alice', 'pencil'), 'sha512')).reasonCode).toBe(0x8c);
  });

  it('lets MQTT 3.1.1 clients (and 5.0 clients without a method) fall through to the built-in password store', async () => {
    expect(await connackCode(url, { protocolVersion: 4, clientId: 'v311', username: 'alice', password: 'pencil' })).toBe(0);
    expect(await connackCode(url, { protocolVersion: 5, clientId: 'v5-plain', username: 'alice', password: 'pencil' })).toBe(0);
    expect(await connackCode(url, { protocolVersion: 4, clientId: 'v311-bad', username: 'alice', password: 'nope' })).toBe(4);
  });

  it('re-authenticates in the open session (AUTH 0x19 … AUTH 0x00) and keeps it', async () => {
    const client = await rawClient(url);
    open.push(client);
    expect((await scramConnect(client, new TestScramClient('sha256', 'alice', 'pencil'), 'reauth')).reasonCode).toBe(0);
    const again = new TestScramClient('sha256', 'alice', 'pencil');
    client.send({ cmd: 'auth', reasonCode: 0x19, properties: { authenticationMethod: again.mechanism, authenticationData: again.clientFirst() } });
    const challenge = await client.expect('auth');
    expect(challenge.reasonCode).toBe(0x18);
    client.send({ cmd: 'auth', reasonCode: 0x18, properties: { authenticationMethod: again.mechanism, authenticationData: again.clientFinal(challenge.properties!.authenticationData!) } });
    const done = await client.expect('auth');
    expect(done.reasonCode).toBe(0);
    expect(again.verifyServerFinal(done.properties?.authenticationData)).toBe(true);
    client.send({ cmd: 'pingreq' });
    expect((await client.expect('pingresp')).cmd).toBe('pingresp');
  });

  it('derives new keys on a password change and drops the old ones; a password set before SCRAM needs setting again', async () => {
    expect((await scramConnect(await rawClient(url), new TestScramClient('sha256', 'early', 'early-pw'), 'early-1')).reasonCode).toBe(0x86);
    expect((await tenant.patch(`/v1/instances/${instance.id}/users/early`, { password: 'early-pw-2' })).status).toBe(200);
    expect((await scramConnect(await rawClient(url), new TestScramClient('sha256', 'early', 'early-pw-2'), 'early-2')).reasonCode).toBe(0);
    expect((await tenant.patch(`/v1/instances/${instance.id}/users/early`, { password: 'early-pw-3' })).status).toBe(200);
    expect((await scramConnect(await rawClient(url), new TestScramClient('sha256', 'early', 'early-pw-2'), 'early-3')).reasonCode).toBe(0x86);
    expect((await scramConnect(await rawClient(url), new TestScramClient('sha256', 'early', 'early-pw-3'), 'early-4')).reasonCode).toBe(0);
  });

  it('imports type=plain users with SCRAM keys', async () => {
    const imported = await tenant.request('POST', `/v1/instances/${instance.id}/users/import?type=plain`, 'user_id,password,is_superuser\nimported-1,imp-pw,false\n', { 'content-type': 'text/csv' });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    expect((await scramConnect(await rawClient(url), new TestScramClient('sha256', 'imported-1', 'imp-pw'), 'imp')).reasonCode).toBe(0);
  });

  it('is a platinum method: a professional instance cannot add it', async () => {
    const professional = await runningInstance(tenant, 'scram-pro', 'professional');
    const refused = await tenant.post<{ code: string }>(`/v1/instances/${professional.id}/authenticators`, { type: 'scram', config: {} });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('method-not-in-edition');
  });
});
