import { SignJWT, type JWTPayload } from 'jose';
import type { MqttClient } from 'mqtt';
import type { Redis } from 'ioredis';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeBus, connectRedis } from '@mqc/queue';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { grant, mosquittoSubOne, setAuthorizationPolicy } from '../support/authorization';
import { addAuthenticator, setPolicy } from '../support/auth';
import { connectClient, newTenant, portOf, runningInstance } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const HMAC_SECRET = 'a-shared-hmac-secret-of-32-bytes!';

function hmacToken(claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('1h').sign(new TextEncoder().encode(HMAC_SECRET));
}

describe('authorization: rules by SQL and the change bus, real clients', () => {
  const config = testConfig({ outboundAllow: ['127.0.0.1'] });
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let redis: Redis;
  let sql: Client;
  const clients: MqttClient[] = [];

  const changed = (instanceId: string) => new ChangeBus(redis, config.redisPrefix).publish({ kind: 'authorization', instanceId });
  const addAuthorizer = async (instanceId: string, type: string, position: number): Promise<string> =>
    ((await sql.query(`INSERT INTO authorizers (instance_id, type, config, position) VALUES ($1, $2, '{}', $3) RETURNING id`, [instanceId, type, position])).rows[0] as { id: string }).id;
  const addRule = async (instanceId: string, position: number, permission: string, action: string, topic: string, clientId: string | null = null): Promise<string> =>
    ((await sql.query('INSERT INTO acl_rules (instance_id, position, permission, action, topic, client_id) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id', [instanceId, position, permission, action, topic, clientId])).rows[0] as { id: string }).id;
  const client = async (url: string, options: Parameters<typeof connectClient>[1]) => {
    const connected = await connectClient(url, options);
    clients.push(connected);
    return connected;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(config, db.url);
    tenant = await newTenant(stack);
    redis = await connectRedis(config.redisUrl, 'authorization-e2e');
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await sql?.end();
    await redis?.quit();
    await stack?.close();
    await db?.drop();
  });

  it('a device may not read or write another device’s topics (mqtt.js 3.1.1 and 5.0, mosquitto_sub)', async () => {
    const instance = await runningInstance(tenant, 'devices', 'basic');
    const url = instance.endpoints!.mqtt;
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    await addAuthorizer(instance.id, 'built-in-database', 1);
    await addRule(instance.id, 1, 'allow', 'all', 'devices/${clientid}/#');
    await addRule(instance.id, 2, 'allow', 'publish', 'devices/#', 'gateway');
    await setAuthorizationPolicy(db.url, instance.id, 'deny');
    await changed(instance.id);

    const d2 = await client(url, { clientId: 'd2', protocolVersion: 5 });
    await eventually(async () => expect(await grant(d2, 'devices/d1/#')).toBe(0x87), 10_000, 100);
    const d2v3 = await client(url, { clientId: 'd2-311', protocolVersion: 4 });
    expect(await grant(d2v3, 'devices/d1/#')).toBe(0x80);
    expect(await grant(d2v3, '#')).toBe(0x80);
    // MQTT 5: a denied QoS 1 PUBLISH gets PUBACK 0x87.
    await expect(d2.publishAsync('devices/d1/cmd', 'open', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });

    const d1 = await client(url, { clientId: 'd1', protocolVersion: 5 });
    const received: string[] = [];
    d1.on('message', (topic) => received.push(topic));
    expect(await grant(d1, 'devices/d1/#')).toBe(1);
    // The other device's command is refused (PUBACK 0x87: processed before what follows) and never arrives.
    await expect(d2.publishAsync('devices/d1/cmd', 'forged', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    await d1.publishAsync('devices/d1/state', 'on', { qos: 1 });
    await eventually(() => expect(received).toContain('devices/d1/state'), 10_000, 20);
    expect(received).toEqual(['devices/d1/state']);

    // mosquitto_sub as d4: a SUBSCRIBE to every device is refused (it exits with nothing); its own subtree gets the gateway's message.
    await expect(mosquittoSubOne(portOf(url), 'd4', 'devices/#')).resolves.toBe('');
    const mosquitto = mosquittoSubOne(portOf(url), 'd4', 'devices/d4/#');
    const gateway = await client(url, { clientId: 'gateway', protocolVersion: 4 });
    let settled = false;
    void mosquitto.catch(() => undefined).finally(() => (settled = true));
    while (!settled) {
      await gateway.publishAsync('devices/d1/cmd', 'for d1', { qos: 1 });
      await gateway.publishAsync('devices/d4/cmd', 'for d4', { qos: 1 });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await expect(mosquitto).resolves.toBe('devices/d4/cmd for d4');
  });

  it('revoking a rule stops deliveries to a live subscription, without a reconnect', async () => {
    const instance = await runningInstance(tenant, 'revoke', 'basic');
    const url = instance.endpoints!.mqtt;
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    await addAuthorizer(instance.id, 'built-in-database', 1);
    await addRule(instance.id, 1, 'allow', 'subscribe', 'heartbeat/#');
    const readAll = await addRule(instance.id, 2, 'allow', 'subscribe', 'devices/#', 'ops');
    await addRule(instance.id, 3, 'allow', 'publish', '#');
    await setAuthorizationPolicy(db.url, instance.id, 'deny');
    await changed(instance.id);

    const ops = await client(url, { clientId: 'ops', protocolVersion: 5 });
    const publisher = await client(url, { clientId: 'pub', protocolVersion: 5 });
    const received: string[] = [];
    ops.on('message', (topic) => received.push(topic));
    await eventually(async () => expect(await grant(ops, 'devices/#')).toBe(1), 10_000, 100);
    expect(await grant(ops, 'heartbeat/#')).toBe(1);
    await eventually(async () => {
      await publisher.publishAsync('devices/d1/live', 'x', { qos: 1 });
      expect(received).toContain('devices/d1/live');
    }, 10_000, 100);

    await sql.query('DELETE FROM acl_rules WHERE id = $1', [readAll]);
    await changed(instance.id);
    // Each round: a device message, then a heartbeat; one heartbeat arriving without the device
    // message before it (deliveries keep their order) shows the revocation took hold.
    let round = 0;
    await eventually(async () => {
      round++;
      received.length = 0;
      await publisher.publishAsync(`devices/d1/after-${round}`, 'x', { qos: 1 });
      await publisher.publishAsync(`heartbeat/${round}`, 'x', { qos: 1 });
      await eventually(() => expect(received).toContain(`heartbeat/${round}`), 5_000, 20);
      expect(received).toEqual([`heartbeat/${round}`]);
    }, 10_000, 100);
    expect(ops.connected).toBe(true);
  });

  it('the JWT acl claim, both EMQX formats, through the client-info authorizer', async () => {
    const instance = await runningInstance(tenant, 'jwt-acl', 'professional');
    const url = instance.endpoints!.mqtt;
    await addAuthenticator(tenant, instance.id, 'jwt', { secret: HMAC_SECRET });
    await addAuthorizer(instance.id, 'client-info', 1);
    await setAuthorizationPolicy(db.url, instance.id, 'deny');
    await changed(instance.id);
    const v1 = await hmacToken({ acl: { sub: ['fleet/#'], pub: ['fleet/${clientid}/up'] } });
    const v2 = await hmacToken({ acl: [{ permission: 'deny', action: 'subscribe', topic: 'fleet/secret' }, { permission: 'allow', action: 'subscribe', topic: 'fleet/#' }] });
    const malformed = await hmacToken({ acl: [{ permission: 'perhaps', action: 'subscribe', topic: '#' }] });

    const carV1 = await eventually(() => client(url, { clientId: 'car-1', username: 'car', password: v1, protocolVersion: 5 }), 10_000, 200);
    await eventually(async () => expect(await grant(carV1, 'fleet/+/up')).toBe(1), 10_000, 100);
    expect(await grant(carV1, 'other/#')).toBe(0x87);
    await expect(carV1.publishAsync('fleet/car-2/up', 'x', { qos: 1 })).rejects.toMatchObject({ code: 0x87 });
    await carV1.publishAsync('fleet/car-1/up', 'x', { qos: 1 });

    const carV2 = await client(url, { clientId: 'car-2', username: 'car', password: v2, protocolVersion: 4 });
    expect(await grant(carV2, 'fleet/a')).toBe(1);
    expect(await grant(carV2, 'fleet/secret')).toBe(0x80);
    // v2: no match falls through to the policy (deny).
    expect(await grant(carV2, 'other')).toBe(0x80);

    // A malformed claim: the CONNECT is accepted, the client gets no rules of its own.
    const carBad = await client(url, { clientId: 'car-3', username: 'car', password: malformed, protocolVersion: 5 });
    expect(await grant(carBad, 'fleet/a')).toBe(0x87);
  });
});

describe('authorization: the resync repairs a lost change event', () => {
  let db: TestDatabase;
  let stack: Stack;
  let sql: Client;
  let subscriber: MqttClient | undefined;

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url, { broker: { resyncIntervalMs: 250, fullSweepIntervalMs: 250 } });
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });

  afterAll(async () => {
    await subscriber?.endAsync(true);
    await sql?.end();
    await stack?.close();
    await db?.drop();
  });

  it('a rule added by SQL with no change event applies once the resync sees the fingerprint move', async () => {
    const tenant = await newTenant(stack, 'lost-event');
    const instance = await runningInstance(tenant, 'lost', 'basic');
    await setPolicy(tenant, instance.id, 'allow', 'deny');
    subscriber = await eventually(() => connectClient(instance.endpoints!.mqtt, { clientId: 'reader', protocolVersion: 5 }), 10_000, 100);
    expect(await grant(subscriber, 'private/x')).toBe(1);
    // No event published: only the periodic resync can find this.
    await sql.query(`INSERT INTO authorizers (instance_id, type, config, position) VALUES ($1, 'built-in-database', '{}', 1)`, [instance.id]);
    await sql.query(`INSERT INTO acl_rules (instance_id, position, permission, action, topic) VALUES ($1, 1, 'deny', 'subscribe', 'private/#')`, [instance.id]);
    await eventually(async () => expect(await grant(subscriber!, 'private/y')).toBe(0x87), 10_000, 100);
  });
});
