import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityKeys, connectRedis } from '@mqc/queue';
import { ApiClient, createTestDatabase, eventually, testConfig, type TestDatabase } from '@mqc/testing';
import { V311, addAuthenticator, connackCode, untilConnack } from '../support/auth';
import { connectClient, newTenant, portOf, runningInstance, type InstanceView } from '../support/instances';
import { startStack, type Stack } from '../support/stack';

const run = promisify(execFile);

interface Metrics {
  at: string | null;
  connections: number;
  sessions: number;
  subscriptions: number;
  retained: { count: number; bytes: number };
  messages: { received: number; sent: number; dropped: Record<string, number> };
  rates: { receivedPerSecond: number; sentPerSecond: number };
  authentication: { allow: number; deny: number; error: number };
  authorization: { allow: number; deny: number };
}

interface ActivityEvent {
  id: string;
  type: string;
  at: string;
  clientId?: string;
  username?: string;
  source?: string;
  reason?: string;
  connackCode?: number | null;
  authenticator?: { id: string; type: string | null } | null;
  rule?: { authorizerId: string; type: string; ruleId?: string } | null;
  topic?: string;
  action?: string;
  delivery?: boolean;
}

interface EventPage {
  items: ActivityEvent[];
  nextCursor: string | null;
}

describe('issue 15: per-instance metrics and event log, with real clients', () => {
  let db: TestDatabase;
  let stack: Stack;
  let tenant: ApiClient;
  let other: ApiClient;
  let instance: InstanceView;
  let authenticatorId: string;
  const clients: MqttClient[] = [];

  const metrics = async () => {
    const answer = await tenant.get<Metrics>(`/v1/instances/${instance.id}/metrics`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const events = async (query: string) => {
    const answer = await tenant.get<EventPage>(`/v1/instances/${instance.id}/events?${query}`);
    expect(answer.status).toBe(200);
    return answer.body;
  };
  const client = async (options: Parameters<typeof connectClient>[1]) => {
    const connected = await connectClient(instance.endpoints!.mqtt, options);
    clients.push(connected);
    return connected;
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    stack = await startStack(testConfig(), db.url);
    tenant = await newTenant(stack, 'acme');
    other = await newTenant(stack, 'other');
    instance = await runningInstance(tenant, 'watched');
    authenticatorId = await addAuthenticator(tenant, instance.id, 'built-in-database', {});
    expect((await tenant.post(`/v1/instances/${instance.id}/users`, { userId: 'sensor-1', password: 's3cret!' })).status).toBe(201);
    await untilConnack(instance.endpoints!.mqtt, { username: 'sensor-1', password: 's3cret!' }, 0);
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await stack?.close();
    await db?.drop();
  });

  it('moves the metrics with traffic within seconds: connections, subscriptions, retained, messages and rates', async () => {
    const before = await metrics();
    const subscriber = await client({ clientId: 'sub-1', username: 'sensor-1', password: 's3cret!' });
    await subscriber.subscribeAsync('plant/#', { qos: 1 });
    const publisher = await client({ clientId: 'pub-1', username: 'sensor-1', password: 's3cret!' });
    await publisher.publishAsync('plant/retained', 'kept', { qos: 1, retain: true });
    for (let i = 0; i < 20; i++) await publisher.publishAsync('plant/temp', `${i}`, { qos: 1 });

    const after = await eventually(async () => {
      const now = await metrics();
      expect(now.connections).toBe(2);
      expect(now.subscriptions).toBe(1);
      expect(now.retained.count).toBe(1);
      expect(now.messages.received - before.messages.received).toBe(21);
      expect(now.messages.sent - before.messages.sent).toBe(21);
      expect(now.authentication.allow - before.authentication.allow).toBeGreaterThanOrEqual(2);
      return now;
    }, 10_000, 200);
    expect(after.at).not.toBeNull();
    expect(after.retained.bytes).toBeGreaterThan(0);

    // The second series holds the published messages; the rate is a per-second count over them.
    const history = await eventually(async () => {
      const answer = await tenant.get<{ resolution: string; step: number; points: { messages: { received: number }; connections: number }[] }>(
        `/v1/instances/${instance.id}/metrics/history?from=${new Date(Date.now() - 120_000).toISOString()}`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.points.reduce((sum, p) => sum + p.messages.received, 0)).toBeGreaterThanOrEqual(21);
      return answer.body;
    }, 10_000, 200);
    expect(history.resolution).toBe('second');
    expect(history.step).toBe(1);
    expect(history.points.at(-1)!.connections).toBe(2);

    const minutes = await tenant.get<{ resolution: string; points: { messages: { received: number } }[] }>(
      `/v1/instances/${instance.id}/metrics/history?from=${new Date(Date.now() - 2 * 3_600_000).toISOString()}&step=60`,
    );
    expect(minutes.body.resolution).toBe('minute');
    expect(minutes.body.points.reduce((sum, p) => sum + p.messages.received, 0)).toBeGreaterThanOrEqual(21);

    expect((await tenant.get(`/v1/instances/${instance.id}/metrics/history?from=${new Date(Date.now() - 2 * 3_600_000).toISOString()}&step=30`)).status).toBe(422);
  });

  it('logs connects and disconnects with the reason and the authenticator that let the client in', async () => {
    const device = await client({ clientId: 'logged-1', username: 'sensor-1', password: 's3cret!' });
    await device.endAsync();
    const page = await eventually(async () => {
      const found = await events('clientId=logged-1');
      expect(found.items.map((e) => e.type)).toEqual(['client.disconnected', 'client.connected']);
      return found;
    }, 10_000, 200);
    expect(page.items[0]).toMatchObject({ clientId: 'logged-1', username: 'sensor-1', reason: 'client sent DISCONNECT' });
    expect(page.items[1]).toMatchObject({ clientId: 'logged-1', authenticator: { id: authenticatorId, type: 'built-in-database' } });
  });

  it('finds the refused CONNECT of a 3.1.1 client (mosquitto_pub, which only hears "bad user name or password") in the event log with the precise reason', async () => {
    const refused = await run('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(portOf(instance.endpoints!.mqtt)), '-V', 'mqttv311', '-i', 'refused-311', '-u', 'sensor-1', '-P', 'wrong', '-t', 't', '-m', 'x']).catch((error: unknown) => error);
    expect((refused as { stderr: string }).stderr).toMatch(/bad user name or password/i);

    const event = await eventually(async () => {
      const found = await events('type=client.connect-refused&clientId=refused-311');
      expect(found.items).toHaveLength(1);
      return found.items[0]!;
    }, 10_000, 200);
    expect(event).toMatchObject({
      type: 'client.connect-refused',
      clientId: 'refused-311',
      username: 'sensor-1',
      connackCode: V311.badUsernameOrPassword,
      authenticator: { id: authenticatorId, type: 'built-in-database' },
    });
    expect(event.source).toMatch(/127\.0\.0\.1/);
    // The reason string a 5.0 client reads in its CONNACK.
    expect(event.reason).toBe('bad username or password');
  });

  it('logs a throttled 3.1.1 CONNECT with its reason, which the client itself cannot read', async () => {
    const attacker = { source: '127.0.0.77', username: 'sensor-1', protocolVersion: 4 as const };
    for (let i = 0; i < 10; i++) await connackCode(instance.endpoints!.mqtt, { ...attacker, clientId: `guess-${i}`, password: `guess-${i}` });
    await eventually(async () => expect(await connackCode(instance.endpoints!.mqtt, { ...attacker, clientId: 'throttled-1', password: 'guess-x' })).toBe(V311.serverUnavailable), 10_000, 0);
    const event = await eventually(async () => {
      const found = await events('type=client.throttled');
      expect(found.items.length).toBeGreaterThan(0);
      return found.items[0]!;
    }, 10_000, 200);
    expect(event).toMatchObject({ type: 'client.throttled', source: expect.stringContaining('127.0.0.77'), connackCode: V311.serverUnavailable, username: 'sensor-1' });
    expect(event.reason).toMatch(/too many failed CONNECTs from this address; retry in \d+ s/);
    expect((await metrics()).authentication.deny).toBeGreaterThanOrEqual(11);
  });

  it('logs authorization.denied with the deciding rule, and counts it', async () => {
    const authorizer = await tenant.post<{ id: string }>(`/v1/instances/${instance.id}/authorizers`, { type: 'built-in-database', config: {} });
    expect(authorizer.status).toBe(201);
    const rule = await tenant.post<{ id: string }>(`/v1/instances/${instance.id}/acl-rules`, { permission: 'deny', action: 'publish', topic: 'secret/#' });
    expect(rule.status).toBe(201);
    const denied = await client({ clientId: 'nosy-1', username: 'sensor-1', password: 's3cret!', protocolVersion: 5 });
    // The new chain reaches the node within a second: publish until one is refused (PUBACK 0x87).
    await eventually(async () => {
      const ack = await denied.publishAsync('secret/plans', 'x', { qos: 1 }).then(
        () => 0,
        (error: { code?: number }) => error.code,
      );
      expect(ack).toBe(0x87);
    }, 10_000, 200);
    const event = await eventually(async () => {
      const found = await events('type=authorization.denied&clientId=nosy-1');
      expect(found.items.length).toBeGreaterThan(0);
      return found.items[0]!;
    }, 10_000, 200);
    expect(event).toMatchObject({ clientId: 'nosy-1', action: 'publish', delivery: false, topic: 'secret/plans', rule: { authorizerId: authorizer.body.id, type: 'built-in-database', ruleId: rule.body.id } });
    await eventually(async () => expect((await metrics()).authorization.deny).toBeGreaterThan(0), 10_000, 200);
  });

  it('logs QoS 0 messages over the rate quota as message.dropped, and counts them by reason', async () => {
    const flood = await client({ clientId: 'flood-1', username: 'sensor-1', password: 's3cret!' });
    const closed = new Promise<void>((resolve) => flood.once('close', () => resolve()));
    // basic: 1,000 messages per second for the instance.
    for (let i = 0; i < 3_000 && flood.connected; i++) flood.publish('plant/flood', 'x', { qos: 0 });
    await closed;
    const event = await eventually(async () => {
      const found = await events('type=message.dropped');
      expect(found.items.length).toBeGreaterThan(0);
      return found.items[0]!;
    }, 10_000, 200);
    expect(event).toMatchObject({ reason: 'rate-limit', clientId: 'flood-1', topic: 'plant/flood' });
    await eventually(async () => expect((await metrics()).messages.dropped['rate-limit']).toBeGreaterThan(0), 10_000, 200);
    const disconnected = await events('type=client.disconnected&clientId=flood-1');
    expect(disconnected.items[0]?.reason).toBe('message rate too high');
  });

  it('pages the event log newest first with a cursor, and filters by time', async () => {
    const first = await events('limit=2');
    expect(first.items).toHaveLength(2);
    expect(Date.parse(first.items[0]!.at)).toBeGreaterThanOrEqual(Date.parse(first.items[1]!.at));
    expect(first.nextCursor).toBe(first.items[1]!.id);
    const second = await events(`limit=2&cursor=${first.nextCursor}`);
    expect(second.items[0]!.id).not.toBe(first.items[1]!.id);
    expect(Date.parse(second.items[0]!.at)).toBeLessThanOrEqual(Date.parse(first.items[1]!.at));
    expect((await events(`from=${new Date(Date.now() + 60_000).toISOString()}`)).items).toEqual([]);
    expect((await tenant.get(`/v1/instances/${instance.id}/events?type=client.exploded`)).status).toBe(422);
    expect((await tenant.get(`/v1/instances/${instance.id}/events?cursor=abc`)).status).toBe(422);
  });

  it('forgets the metrics and the event log of a deleted instance', async () => {
    const doomed = await runningInstance(tenant, 'doomed');
    const keys = Object.values(activityKeys(stack.config.redisPrefix, doomed.id));
    const redis = await connectRedis(stack.config.redisUrl, 'activity-e2e');
    try {
      // A refused CONNECT (no authenticator yet, anonymous denied) makes a count and an event: all five keys exist.
      expect(await connackCode(doomed.endpoints!.mqtt, { clientId: 'anonymous-1' })).toBe(V311.notAuthorized);
      await eventually(async () => expect(await redis.exists(...keys)).toBe(keys.length), 10_000, 200);
      expect((await tenant.request('DELETE', `/v1/instances/${doomed.id}`)).status).toBe(202);
      await eventually(async () => expect((await tenant.get(`/v1/instances/${doomed.id}`)).status).toBe(404), 30_000, 200);
      await eventually(async () => expect(await redis.exists(...keys)).toBe(0), 10_000, 200);
    } finally {
      await redis.quit();
    }
  });

  it("answers 404 for another tenant's instance on every route", async () => {
    for (const path of ['metrics', 'metrics/history', 'events']) {
      const answer = await other.get<{ code: string }>(`/v1/instances/${instance.id}/${path}`);
      expect(answer.status).toBe(404);
      expect(answer.body.code).toBe('instance-not-found');
    }
  });
});
