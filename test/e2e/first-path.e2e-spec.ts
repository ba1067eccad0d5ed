import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '@mqc/db';
import { ApiClient, createTestDatabase, eventually, testConfig } from '@mqc/testing';
import { startStack, type Stack } from '../support/stack';
import { connectClient as connect, nextMessage, runningInstance, type InstanceView as Instance } from '../support/instances';

/** The database each run uses: the PostgreSQL server, and the embedded one `npm start` uses. */
const databases = {
  'the PostgreSQL server': async () => {
    const db = await createTestDatabase();
    return { url: db.url, close: () => db.drop() };
  },
  'the embedded PostgreSQL': async () => {
    const embedded = await startEmbeddedPostgres(mkdtempSync(join(tmpdir(), 'mqc-embedded-')));
    return { url: embedded.url, close: () => embedded.close() };
  },
};

describe.each(Object.entries(databases))('the first path through the product on %s', (_, openDatabase) => {
  let database: { url: string; close(): Promise<void> };
  let stack: Stack;
  let tenant: ApiClient;
  let instance: Instance;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    database = await openDatabase();
    stack = await startStack(testConfig(), database.url);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack?.close();
    await database?.close();
  });

  it('lets the operator create a tenant, which creates a basic instance that provisioning brings to RUNNING', async () => {
    const created = await stack.operator.post<{ tenant: { id: string }; apiKey: { id: string; secret: string } }>('/v1/ops/tenants', { name: 'acme' });
    expect(created.status).toBe(201);
    expect(created.body.apiKey.secret).toMatch(/^mqc_/);
    tenant = stack.operator.withToken(created.body.apiKey.secret);

    instance = await runningInstance(tenant, 'plant-1');
    const { first, last } = stack.config.brokerPorts;
    for (const url of Object.values(instance.endpoints!)) {
      const port = Number(new URL(url).port);
      expect(port).toBeGreaterThanOrEqual(first);
      expect(port).toBeLessThanOrEqual(last);
    }
    expect(instance.endpoints!.ws).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/mqtt$/);
    const nodes = await stack.operator.get<{ items: { id: string; instances: Record<string, unknown> }[] }>('/v1/ops/nodes');
    await eventually(async () => {
      const fresh = await stack.operator.get<{ items: { id: string; instances: Record<string, unknown> }[] }>('/v1/ops/nodes');
      expect(fresh.body.items.find((n) => n.id === stack.broker.nodeId)?.instances).toHaveProperty(instance.id);
    });
    expect(nodes.status).toBe(200);
  });

  it('accepts a built-in user, relays its publish to a subscriber, and refuses a wrong password with CONNACK 4', async () => {
    const authenticator = await tenant.post(`/v1/instances/${instance.id}/authenticators`, {
      type: 'built-in-database',
      config: { userIdType: 'username', passwordHash: { name: 'pbkdf2', macFun: 'sha256', iterations: 4096 } },
    });
    expect(authenticator.status).toBe(201);
    const user = await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'sensor-1', password: 's3cret!', isSuperuser: false });
    expect(user.status).toBe(201);
    expect(JSON.stringify(user.body)).not.toContain('s3cret');

    const subscriber = await connect(instance.endpoints!.mqtt, { username: 'sensor-1', password: 's3cret!', clientId: 'sub' });
    clients.push(subscriber);
    await subscriber.subscribeAsync('plant/+/temperature', { qos: 1 });
    const publisher = await connect(instance.endpoints!.mqtt, { username: 'sensor-1', password: 's3cret!', clientId: 'pub' });
    clients.push(publisher);
    const received = nextMessage(subscriber);
    await publisher.publishAsync('plant/7/temperature', '21.5', { qos: 1 });
    expect(await received).toEqual({ topic: 'plant/7/temperature', payload: '21.5' });

    const refused = await connect(instance.endpoints!.mqtt, { username: 'sensor-1', password: 'wrong', clientId: 'intruder' }).catch((e: { code?: number }) => e);
    expect((refused as { code?: number }).code).toBe(4);
  });

  it('keeps another instance from seeing that traffic, even with the same client ids and topics', async () => {
    const other = await runningInstance(tenant, 'plant-2');
    await tenant.put(`/v1/instances/${other.id}/access-policy`, { anonymous: 'allow', onBackendFailure: 'deny' });
    const outsider = await eventually(() => connect(other.endpoints!.mqtt, { clientId: 'sub' }));
    clients.push(outsider);
    await outsider.subscribeAsync('#');
    let seen = 0;
    outsider.on('message', () => seen++);

    const subscriber = clients[0]!;
    const received = nextMessage(subscriber);
    await clients[1]!.publishAsync('plant/8/temperature', '22.0', { qos: 1 });
    await received;
    // The outsider's own publish reaches it, proving it was listening while the other went by.
    const own = nextMessage(outsider);
    await outsider.publishAsync('plant/9/temperature', 'mine', { qos: 1 });
    expect((await own).payload).toBe('mine');
    expect(seen).toBe(1);
  });

  it('answers 404 when a second tenant asks for the first tenant\'s instance', async () => {
    const second = await stack.operator.post<{ apiKey: { secret: string } }>('/v1/ops/tenants', { name: 'globex' });
    const intruder = stack.operator.withToken(second.body.apiKey.secret);
    const foreign = await intruder.get(`/v1/instances/${instance.id}`);
    const missing = await intruder.get('/v1/instances/00000000-0000-4000-8000-000000000000');
    expect(foreign.status).toBe(404);
    expect(foreign.contentType).toContain('application/problem+json');
    expect(foreign.body).toEqual(missing.body);
    expect((await intruder.get<{ items: unknown[] }>('/v1/instances')).body.items).toEqual([]);
  });
});
